/**
 * `toxstate inspect --pcap FILE --profile …`: a doctored capture (no cookie response, so Alice's
 * handshake breaks st.cookie-response) served as a recording in the inspector on 127.0.0.1, with
 * the violation in its timeline, until SIGTERM (exit 0); and bad input ends in one line, exit 2.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE_TOX, GOLDEN_PCAP, kindOf, readDatagrams, toPcap, without } from '../conformance/doctor.js';
import { expectOneLineError, tempDir, toxstate } from './run.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;
const tmp = tempDir();
let doctored: string;

beforeAll(async () => {
  doctored = join(tmp.dir, 'no-cookie-response.pcap');
  writeFileSync(doctored, toPcap(without(await readDatagrams(GOLDEN_PCAP), (d) => kindOf(d) === 'cookie_response')));
});
afterAll(() => tmp.cleanup());

describe('toxstate inspect', () => {
  it('serves the capture as a recording whose timeline holds the violation, until SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'inspect', '--pcap', doctored, '--profile', ALICE_TOX, '--no-open', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL; said: ${out} ${err}`)), 30_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /inspector: (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43})\s/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(out).toMatch(/1 pair, \d+ steps, 1 violation, \d+ deviations?/);
      const token = new URLSearchParams(new URL(url).hash.slice(1)).get('token')!;
      const get = async (path: string): Promise<Record<string, unknown>> => {
        const r = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } });
        expect(r.status, path).toBe(200);
        return (await r.json()) as Record<string, unknown>;
      };
      expect(await (await fetch(url)).text()).toMatch(/<html/i);
      expect((await fetch(new URL('/api/info', url))).status).toBe(401);
      const info = await get('/api/info');
      expect(info).toMatchObject({ mode: 'recording', recording: { startSeq: 1, summary: { violations: 1 } } });
      const journal = (await get('/api/journal?offset=0&limit=1000')) as { rows: Array<{ seq: number; verdict: string; findings: Array<{ rule: string; transition: string | null }> }> };
      const bad = journal.rows.filter((r) => r.verdict === 'violation');
      expect(bad.map((r) => r.findings.map((f) => [f.rule, f.transition]))).toEqual([[['st.cookie-response', 'AcquiringCookie|packet.cookieResponse|0']]]);
      const view = (await get(`/api/view?seq=${bad[0]!.seq}`)) as { actors: Array<{ role: string; expected: string[] }> };
      expect(view.actors[0]).toMatchObject({ role: 'session', expected: ['AcquiringCookie|packet.cookieResponse|0'] });
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (c) => resolve(c))));
    expect(code, err).toBe(0);
  }, 60_000);

  it('--help documents every option', () => {
    const r = toxstate(['inspect', '--help']);
    expect(r.status).toBe(0);
    for (const o of ['--pcap', '--profile', '--port', '--no-open', '--tolerance']) expect(r.stdout).toContain(o);
  });

  it('bad input: one line, exit 2', () => {
    const garbage = join(tmp.dir, 'garbage.pcap');
    writeFileSync(garbage, 'this is not a capture at all, just text\n'.repeat(4));
    const notAProfile = join(tmp.dir, 'text.tox');
    writeFileSync(notAProfile, 'this is not a Tox profile at all\n');
    const cases: Array<[string[], RegExp]> = [
      [['--profile', ALICE_TOX, '--no-open'], /inspect: --pcap FILE is required/],
      [['--pcap', doctored, '--no-open'], /inspect: --profile is required/],
      [['--pcap', garbage, '--profile', ALICE_TOX, '--no-open'], /garbage\.pcap/],
      [['--pcap', join(tmp.dir, 'missing.pcap'), '--profile', ALICE_TOX, '--no-open'], /missing\.pcap.*does not exist/],
      [['--pcap', doctored, '--profile', notAProfile, '--no-open'], /text\.tox.*corrupt/],
      [['--pcap', doctored, '--profile', ALICE_TOX, '--port', '70000', '--no-open'], /--port must be between 0 and 65535/],
      [['--pcap', doctored, '--profile', ALICE_TOX, '--bogus'], /inspect: .*bogus/],
    ];
    for (const [args, pattern] of cases) {
      const r = toxstate(['inspect', ...args]);
      expectOneLineError(r, pattern);
      expect(r.status, args.join(' ')).toBe(2);
    }
  });
});
