/**
 * `npm start` / `toxstate demo`: the embedded default runs Bob's friend request to Alice through
 * every ToxProgress state to Established and a message round trip, on the simulated network and
 * over UDP on 127.0.0.1; without --once it serves the inspector and keeps running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TOX_PROGRESS } from '../../machines/index.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;

function once(extra: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'demo', '--once', ...extra], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function timeline(stdout: string): Array<{ who: string; what: string }> {
  const part = stdout.split('Timeline:')[1] ?? '';
  return part
    .split('\n')
    .map((l) => /^\s+[\d.]+ s\s+(Alice|Bob)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ who: m[1]!, what: m[2]! }));
}

describe('toxstate demo', () => {
  it('--once (the simulated network) walks every ToxProgress state to Established and completes a message round trip', () => {
    const r = once([]);
    expect(r.status, r.stderr).toBe(0);
    const tl = timeline(r.stdout);
    const states = tl.map((l) => l.what);
    for (const s of [...TOX_PROGRESS, 'Established']) expect(states, `timeline has ${s}`).toContain(s);
    expect(tl.filter((l) => l.what === 'Established').map((l) => l.who).sort()).toEqual(['Alice', 'Bob']);
    // One session walked the whole order (the other may skip ahead on an inbound handshake).
    const walk = (who: string): string[] => tl.filter((l) => l.who === who && /^[A-Z]\w+$/.test(l.what)).map((l) => l.what);
    expect([walk('Alice'), walk('Bob')]).toContainEqual([...TOX_PROGRESS, 'Established']);
    expect(r.stdout).toMatch(/Alice\s+friend request from Bob/);
    expect(r.stdout).toMatch(/Alice\s+message: “Hello Alice!”/);
    expect(r.stdout).toMatch(/Bob\s+message: “Hi Bob! Your message arrived.”/);
    expect(r.stdout).toMatch(/Message round trip complete after [\d.]+ s of virtual time/);
  }, 130_000);

  it('--udp --once does the same over real UDP sockets on 127.0.0.1', () => {
    const r = once(['--udp']);
    expect(r.status, r.stderr).toBe(0);
    const tl = timeline(r.stdout);
    expect(tl.filter((l) => l.what === 'Established').map((l) => l.who).sort()).toEqual(['Alice', 'Bob']);
    expect(r.stdout).toMatch(/Message round trip complete/);
  }, 130_000);

  it('without --once serves the inspector, prints its URL and keeps running until stopped', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--no-open', '--inspect', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL; said: ${out}`)), 30_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /inspector: (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43})\s/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      // The printed URL carries the access token the API asks for.
      const token = new URLSearchParams(new URL(url).hash.slice(1)).get('token')!;
      expect((await fetch(new URL('/api/info', url))).status).toBe(401);
      expect((await fetch(new URL('/api/info', url), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // Piped (not a terminal): progress comes as plain lines.
      await new Promise((r) => setTimeout(r, 1500));
      expect(out).toMatch(/\] Bob: Alice → AwaitingDHTKey/);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
  }, 60_000);

  it('refuses a bad option with a one-line error', () => {
    const r = spawnSync(process.execPath, [BIN, 'demo', '--seed', 'x'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--seed must be a whole number/);
  });
});
