/**
 * The rough edges of `toxstate node` and friends (issue 19), through the real command: an
 * inspector port in use closes the node and exits 2 (the UDP port is free afterwards); a profile
 * path that is a directory or under a missing one, and `--port -1`, are one sentence each; --help
 * names every event the node prints; the readable output never prints raw JSON and escapes what
 * could steer a terminal; the default bind is loopback, as the UdpNode adapter's.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, tempDir, toxstate } from './run.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A UDP port nobody holds right now (bound to 0 and released). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Whether a UDP socket can bind 127.0.0.1:port now (exclusively). */
async function udpPortFree(port: number): Promise<boolean> {
  const s = createSocket({ type: 'udp4', reuseAddr: false });
  return new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

describe('toxstate node --inspect PORT with PORT in use', () => {
  let blocker: Server | undefined;
  afterAll(() => blocker?.close());

  it('prints one error, closes its UDP socket and exits 2 without waiting for a signal', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const udp = await freeUdpPort();
    // No --run-seconds: before the fix the node ran on (and swallowed the first SIGTERM); the
    // 30 s timeout here would then kill it and the status would be null.
    const r = spawnSync(process.execPath, [BIN, 'node', '--bind', '127.0.0.1', '--port', String(udp), '--json', '--inspect', String(taken), '--no-open'], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`toxstate: cannot serve the inspector on 127.0.0.1:${taken}: the port is in use (choose another --inspect PORT)`]);
    // It had bound its UDP port (the self line says so) and released it.
    const self = JSON.parse(r.stdout.split('\n')[0]!) as { ev: string; port: number };
    expect(self).toMatchObject({ ev: 'self', port: udp });
    expect(await udpPortFree(udp)).toBe(true);
  }, 40_000);
});

describe('paths and numbers said as sentences', () => {
  it('a profile path that is a directory: one sentence, exit 2, for node and for friends', () => {
    const d = join(tmp.dir, 'a-directory');
    mkdirSync(d);
    for (const args of [['node', '--bind', '127.0.0.1', '--port', '0', '--profile', d, '--run-seconds', '0'], ['friends', '--profile', d]]) {
      const r = toxstate(args);
      expect(r.status).toBe(2);
      expectOneLineError(r, /^toxstate: cannot load profile .*a-directory: it is a directory, not a regular file$/);
    }
  });

  it('a new profile under a directory that does not exist: a sentence, not ENOENT and a temporary file name', () => {
    const path = join(tmp.dir, 'missing', 'new.tox');
    const r = toxstate(['node', '--bind', '127.0.0.1', '--port', '0', '--profile', path, '--run-seconds', '0']);
    expect(r.status).toBe(2);
    expectOneLineError(r, /cannot save profile .*missing\/new\.tox: the file or the directory it would be in does not exist$/);
    expect(r.stderr).not.toMatch(/ENOENT|\.tmp-/);
  });

  it('the profile commands say the same sentences (export into a missing directory, id --create under a file)', () => {
    const fixture = new URL('../fixtures/profiles/ctoxcore-0.2.18-generated.tox', import.meta.url).pathname;
    const r = toxstate(['export', '--profile', fixture, '--out', join(tmp.dir, 'nowhere', 'x.tox')]);
    expectOneLineError(r, /cannot save profile .*nowhere\/x\.tox: the file or the directory it would be in does not exist$/);
    const file = join(tmp.dir, 'a-file');
    toxstate(['id', '--profile', file, '--create']);
    expectOneLineError(toxstate(['id', '--profile', join(file, 'x.tox'), '--create']), /a part of the path is not a directory$/);
  });

  it('a profile under a regular file: a sentence, not ENOTDIR', () => {
    const file = join(tmp.dir, 'plain-file');
    toxstate(['id', '--profile', file, '--create']);
    const r = toxstate(['node', '--bind', '127.0.0.1', '--port', '0', '--profile', join(file, 'x.tox'), '--run-seconds', '0']);
    expectOneLineError(r, /a part of the path is not a directory$/);
    expect(r.stderr).not.toMatch(/ENOTDIR/);
  });

  it.each([
    [['--port', '-1'], /^toxstate: --port must be a whole number between 0 and 65535, got "-1"$/],
    [['--port=-1'], /^toxstate: --port must be a whole number between 0 and 65535, got "-1"$/],
    [['--run-seconds', '-5'], /^toxstate: --run-seconds must be a whole number between 0 and 10000000, got "-5"$/],
    [['--port', '65536'], /^toxstate: --port must be between 0 and 65535, got 65536$/],
  ])('node %j names the range', (args, message) => {
    const r = toxstate(['node', '--bind', '127.0.0.1', ...(args as string[])]);
    expect(r.status).toBe(2);
    expectOneLineError(r, message as RegExp);
  });
});

describe('toxstate node output', () => {
  it('--help names every event the node prints', () => {
    const help = toxstate(['node', '--help']).stdout;
    // Every application event type (runtime/app-events.ts) but profile_changed (saved, not printed).
    const source = readFileSync(new URL('../../runtime/app-events.ts', import.meta.url), 'utf8');
    const types = [...new Set([...source.matchAll(/type: '([a-z_]+)'/g)].map((m) => m[1]!))].filter((t) => t !== 'profile_changed');
    expect(types.length).toBeGreaterThan(15);
    const listed = help.slice(help.indexOf('Events ('));
    for (const ev of [...types, 'self', 'stopped', 'send_refused', 'sent', 'request_sent', 'friends', 'console_error']) {
      expect(listed, ev).toMatch(new RegExp(`\\b${ev}\\b`));
    }
  });

  it('readable lines carry no raw JSON, and the default bind is 127.0.0.1', () => {
    const r = toxstate(['node', '--port', '0', '--friend', '11'.repeat(32), '--run-seconds', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^toxstate node 127\.0\.0\.1:\d+$/);
    // friend_added is a sentence (cli/node-lines.ts), naming the whole key once.
    expect(r.stdout).toMatch(new RegExp(`11111111… added as a friend \\(${'11'.repeat(32)}\\)`));
    expect(r.stdout).not.toMatch(/[{[]"/);
    expect(r.stdout).toMatch(/^stopped \(1 friend\)$/m);
  });
});
