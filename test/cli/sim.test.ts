/**
 * `toxstate sim` through the real command: a small simulated network (20 nodes, 4 friend pairs,
 * 10 virtual seconds). The summary's fields are consistent with each other and with the options,
 * the same seed gives the same run, loss and seed are honoured, Ctrl-C still prints a (partial)
 * summary, and bad arguments exit 2 with one line naming the flag.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { SimSummary } from '../../runtime/scenarios/sim-run.js';
import { expectOneLineError, toxstate } from './run.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;
const SMALL = ['--nodes', '20', '--pairs', '4', '--seconds', '10', '--quiet'];

function simJson(extra: string[] = []): SimSummary {
  const r = toxstate(['sim', ...SMALL, '--json', ...extra]);
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as SimSummary;
}

describe('toxstate sim', () => {
  it('--json prints one object whose figures agree with the options and with each other', () => {
    const s = simJson();
    expect(s).toMatchObject({ nodes: 20, pairs: 4, seconds: 10, virtualS: 10, partial: false, lossPct: 0, latencyMs: 20, jitterMs: 10, seed: 7_000_000, handlerErrors: 0 });
    expect(s.bootstrapNodes).toBeGreaterThanOrEqual(1);
    expect(s.datagrams).toBeGreaterThan(0);
    expect(s.pairsConnected).toBeLessThanOrEqual(s.pairs);
    expect(s.pairsConnected).toBeLessThanOrEqual(s.pairsEverConnected);
    expect(s.pairsEverConnected).toBeLessThanOrEqual(s.pairs);
    // A healthy 20-node network connects its pairs within 10 virtual seconds.
    expect(s.pairsEverConnected).toBe(4);
    expect(s.halfByS).not.toBeNull();
    expect(s.allByS).not.toBeNull();
    expect(s.halfByS!).toBeGreaterThan(0);
    expect(s.halfByS!).toBeLessThanOrEqual(s.allByS!);
    expect(s.allByS!).toBeLessThanOrEqual(s.virtualS);
    expect(s.heapMb).toBeGreaterThan(0);
    for (const k of ['wallS', 'setupS', 'cpuS'] as const) expect(s[k]).toBeGreaterThanOrEqual(0);
  });

  it('the same seed gives the same run; another seed another one', () => {
    const a = simJson(['--seed', '42']);
    const b = simJson(['--seed', '42']);
    const c = simJson(['--seed', '43']);
    const run = (s: SimSummary) => ({ datagrams: s.datagrams, halfByS: s.halfByS, allByS: s.allByS, connected: s.pairsConnected });
    expect(a.seed).toBe(42);
    expect(run(b)).toEqual(run(a));
    expect(c.datagrams).not.toBe(a.datagrams);
  });

  it('--loss 100 loses every datagram: no pair connects, and the times say so', () => {
    const s = simJson(['--loss', '100']);
    expect(s.lossPct).toBe(100);
    expect(s.pairsEverConnected).toBe(0);
    expect(s.halfByS).toBeNull();
    expect(s.allByS).toBeNull();
  });

  it('--latency and --jitter set the links: a slower network takes longer to connect its first half', () => {
    const fast = simJson(['--latency', '5', '--jitter', '0']);
    const slow = simJson(['--latency', '200', '--jitter', '0']);
    expect(slow.latencyMs).toBe(200);
    expect(slow.jitterMs).toBe(0);
    // Every step of a connection is a round trip or more: 40× the latency cannot be as fast.
    expect(slow.halfByS ?? Infinity).toBeGreaterThan(fast.halfByS!);
  });

  it('prints a readable summary without --json', () => {
    const r = toxstate(['sim', ...SMALL]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^toxstate sim: 20 nodes \(\d+ bootstrap\), 4 friend pairs/);
    expect(r.stdout).toMatch(/virtual time\s+10 s/);
    expect(r.stdout).toMatch(/pairs connected\s+[0-4] \/ 4/);
    expect(r.stdout).toMatch(/datagrams\s+\d+/);
    expect(r.stdout).toMatch(/heap\s+\d+ MB/);
    expect(r.stdout).not.toMatch(/PARTIAL/);
    expect(r.stderr).toBe('');
  });

  it('reports progress on stderr (a line per 10 virtual seconds when not a terminal)', () => {
    const r = toxstate(['sim', '--nodes', '20', '--pairs', '4', '--seconds', '20', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^sim: 10\.0 \/ 20 s virtual, .* \d\/4 pairs connected/);
    expect(lines[1]).toMatch(/^sim: 20\.0 \/ 20 s virtual/);
  });

  it('Ctrl-C stops the run and still prints the summary, marked partial, with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'sim', '--nodes', '20', '--pairs', '4', '--seconds', '86400', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      // After the first progress line the run is under way: interrupt it.
      if (/^sim: /m.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    const s = JSON.parse(stdout.trim()) as SimSummary;
    expect(s.partial).toBe(true);
    expect(s.seconds).toBe(86400);
    expect(s.virtualS).toBeGreaterThanOrEqual(10);
    expect(s.virtualS).toBeLessThan(86400);
    expect(s.pairsConnected).toBeLessThanOrEqual(4);
    expect(stderr).toMatch(/^toxstate: sim: interrupted at [\d.]+ of 86400 virtual seconds; the summary is partial$/m);
  }, 120_000);

  const bad: Array<[string[], RegExp]> = [
    [['--nodes', '1'], /--nodes must be a whole number from 2 to/],
    [['--nodes', 'many'], /--nodes must be a whole number/],
    [['--nodes', '20', '--pairs', '10'], /--pairs must be a whole number from 0 to 9\b/],
    [['--seconds', '0'], /--seconds must be more than 0 and at most 86400, got 0/],
    [['--seconds', '86401'], /--seconds must be more than 0 and at most 86400/],
    [['--loss', '101'], /--loss must be a percentage from 0 to 100, got 101/],
    [['--loss', '-1'], /--loss must be a number/],
    [['--latency', 'slow'], /--latency must be a number/],
    [['--latency', '60001'], /--latency must be from 0 to 60000 ms/],
    [['--seed', '1.5'], /--seed must be a whole number/],
    [['--seed', '4294967295'], /--seed must be a whole number from 0 to/],
    [['--bootstrap', '0'], /--bootstrap must be a whole number from 1/],
    [['--bogus'], /unknown option --bogus/],
  ];
  it.each(bad)('bad arguments %j exit 2 with one line naming the flag', (args, pattern) => {
    const r = toxstate(['sim', ...args]);
    expectOneLineError(r, pattern);
    expect(r.status).toBe(2);
  });

  it('--help describes every option', () => {
    const r = toxstate(['sim', '--help']);
    expect(r.status).toBe(0);
    for (const flag of ['--nodes', '--pairs', '--seconds', '--loss', '--latency', '--jitter', '--seed', '--bootstrap', '--json', '--quiet']) expect(r.stdout).toContain(flag);
  });
});
