/**
 * What a new user meets first, through the real `toxstate` command (issue 19's last item: the
 * same kind of friction elsewhere). `npm start` on a machine without a desktop: no browser can
 * open, so no inspector page would ever start the demo's virtual clock — it must run at once.
 * `toxstate node` without --json: every event a sentence, never `type key=value` with raw keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeProcess } from '../../harness/node-process.js';
import { expectOneLineError, snapshot, tempDir, toxstate } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'toxstate-fresh-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;

/** The environment of a machine without a desktop (no DISPLAY, no WAYLAND_DISPLAY). */
function headless(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  return env;
}

describe('toxstate demo without a desktop', () => {
  it('says no browser opens and runs the virtual clock at once: the story reaches the reply without any page', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--inspect', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: headless() });
    let out = '';
    try {
      const reached = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 60_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (/Bob: message received from Alice: “Hi Bob! Your message arrived\.”/.test(out)) {
            clearTimeout(timer);
            resolve(true);
          }
        });
      });
      expect(reached, out).toBe(true);
      expect(out).toMatch(/\(not opening a browser: no desktop \(DISPLAY is not set\); the virtual clock runs now/);
      expect(out).toMatch(/\] virtual clock running/);
      expect(out).not.toMatch(/virtual clock paused/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))).toBe(0);
  }, 90_000);

  it('--help and the command list tell the story the demo tells: Bob befriends Alice', () => {
    const list = toxstate(['--help']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/demo\s+run the local demo network \(Bob befriends Alice\)/);
  });
});

describe('toxstate node readable output', () => {
  it('says each event as a sentence: the friend named, online, its receipt, and stopped with 1 friend', async () => {
    const a = startNodeProcess(['--profile', join(dir, 'a.tox'), '--name', 'Alice', '--accept-friends', '--echo', '--run-seconds', '30'], children);
    const self = await a.waitFor((e) => e.ev === 'self', 10_000);
    const b = toxstate([
      'node', '--port', '0', '--no-interactive', '--run-seconds', '6', '--profile', join(dir, 'b.tox'),
      '--bootstrap', `127.0.0.1:${self['port']}:${self['dhtpk']}`, '--add-friend', `${self['toxid']}:hi`, '--send', 'hello A',
    ]);
    expect(b.status, b.stderr).toBe(0);
    const friend = `${String(self['pk']).slice(0, 8)}…`;
    const lines = b.stdout.split('\n');
    const said = (text: string): boolean => lines.some((l) => l.endsWith(`] ${friend} ${text}`));
    expect(said(`added as a friend (${String(self['pk'])})`), b.stdout).toBe(true);
    expect(said('is named “Alice”'), b.stdout).toBe(true);
    expect(said('is available'), b.stdout).toBe(true);
    expect(said('online (UDP)'), b.stdout).toBe(true);
    expect(said('confirmed receiving message 1'), b.stdout).toBe(true);
    expect(lines.some((l) => l.endsWith('] connected to the DHT')), b.stdout).toBe(true);
    expect(lines.some((l) => l.endsWith('] announced on the onion (ipv4)')), b.stdout).toBe(true);
    // No line falls back to `type key=value`.
    expect(b.stdout).not.toMatch(/^\[[\d.]+s\] [a-z_]+ [a-zA-Z]+=/m);
    expect(lines).toContain('stopped (1 friend)');
    // The header hands out what another node's --bootstrap takes, ready to paste.
    const port = /^toxstate node 127\.0\.0\.1:(\d+)$/.exec(lines[0]!)?.[1];
    const dhtKey = /^ {2}DHT key ([0-9a-f]{64})$/.exec(lines[2]!)?.[1];
    expect(port !== undefined && dhtKey !== undefined, b.stdout).toBe(true);
    expect(lines[3]).toBe(`  bootstrap 127.0.0.1:${port}:${dhtKey}  (another node's --bootstrap)`);
  }, 60_000);
});

describe('toxstate check summary', () => {
  it('counts in words a reader expects: "1 deviation", not "1 deviations"', () => {
    const captures = new URL('../fixtures/captures/', import.meta.url).pathname;
    const r = toxstate(['check', '--pcap', `${captures}ctoxcore-0.2.18-loopback.pcap`, '--profile', `${captures}ctoxcore-0.2.18-alice.tox`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Summary: 1 pair, 0 violations, 1 deviation, 1118 datagrams/m);
  });
});

describe('option errors in the CLI\'s own words', () => {
  it.each([
    [['id', '--bogus'], /^toxstate: id: unknown option --bogus \(see 'toxstate id --help'\)$/],
    [['id', '--profile'], /^toxstate: id: --profile needs a value \(see 'toxstate id --help'\)$/],
    [['sim', 'x'], /^toxstate: sim: unexpected argument "x": this command takes options only \(see 'toxstate sim --help'\)$/],
    [['demo', '--once=1'], /^toxstate: demo: --once takes no value \(see 'toxstate demo --help'\)$/],
    [['--bogus'], /^toxstate: unknown option --bogus \(run 'toxstate --help' for the options and commands\)$/],
  ])('toxstate %j', (args, pattern) => {
    const r = toxstate(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(pattern);
    expect(r.stdout).toBe('');
  });
});

describe('toxstate help COMMAND', () => {
  it('shows that command\'s help, as COMMAND --help does', () => {
    const r = toxstate(['help', 'sim']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(toxstate(['sim', '--help']).stdout);
    expect(r.stdout).toMatch(/^Usage: toxstate sim /);
  });
});

describe('toxstate node --help', () => {
  it('lists every console command the node answers, /help included', () => {
    const help = toxstate(['node', '--help']).stdout;
    for (const c of ['/msg FRIEND TEXT', '/add TOXID [MSG]', '/friends', '/help', '/quit']) expect(help).toContain(c);
  });
});

describe('toxstate conformance --out', () => {
  it('a directory or a missing directory is a one-line error, exit 2, never a stack trace', () => {
    const { dir, cleanup } = tempDir();
    try {
      expectOneLineError(toxstate(['conformance', '--out', dir]), /^toxstate: conformance: cannot write .*: it is a directory, not a file$/);
      expectOneLineError(toxstate(['conformance', '--out', join(dir, 'no', 'such.md')]), /^toxstate: conformance: cannot write .*such\.md: the file or the directory it would be in does not exist$/);
      expect(toxstate(['conformance', '--help']).stdout).toMatch(/Exit status: 0 when the report was written/);
      // An empty name is refused, not taken as "not given" (which writes the project's docs/conformance.md).
      const report = new URL('../../docs/conformance.md', import.meta.url);
      const before = snapshot(report.pathname);
      expectOneLineError(toxstate(['conformance', '--results', '']), /^toxstate: conformance: --results needs a file name$/);
      expectOneLineError(toxstate(['conformance', '--out', '']), /^toxstate: conformance: --out needs a file name$/);
      // Without results and without --out it would have replaced docs/conformance.md with a report without verdicts.
      expectOneLineError(toxstate(['conformance']), /^toxstate: conformance: give --run \(run the tests\) or --results FILE; a report without test results is written only with --out FILE$/);
      expect(snapshot(report.pathname)).toEqual(before);
    } finally {
      cleanup();
    }
  });
});

describe('toxstate remove --pk', () => {
  it('takes the key the way add does, as well as alone; both at once is refused', () => {
    const { dir, cleanup } = tempDir();
    try {
      const profile = join(dir, 'p.tox');
      expect(toxstate(['id', '--profile', profile, '--create']).status).toBe(0);
      const friend = `${'22'.repeat(31)}11`;
      expect(toxstate(['add', '--profile', profile, '--pk', friend]).status).toBe(0);
      expectOneLineError(toxstate(['remove', '--profile', profile, '--pk', friend, friend]), /^toxstate: remove: expected one public key, got 2 /);
      const r = toxstate(['remove', '--profile', profile, '--pk', friend]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`removed friend ${friend.toUpperCase()}\n`);
      expect(toxstate(['friends', '--profile', profile]).stdout).toMatch(/^no friends in /);
      expectOneLineError(toxstate(['remove', '--profile', profile, '--pk', '12']), /^toxstate: remove: --pk: expected a public key of 64 hex characters/);
    } finally {
      cleanup();
    }
  });
});

describe('toxstate sim header', () => {
  it('says "1 friend pair" for one pair', () => {
    const r = toxstate(['sim', '--nodes', '10', '--seconds', '1', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^toxstate sim: 10 nodes \(1 bootstrap\), 1 friend pair, loss 0%/);
    // 1 s is too short for this pair: said plainly, not "connected by not reached (virtual)".
    expect(r.stdout).toMatch(/^ {2}all connected {5}not reached$/m);
    expect(r.stdout).not.toMatch(/by not reached/);
  });
});

describe('toxstate inspect --tolerance', () => {
  it('has the same floor as check (100 ms): 5 is refused before anything is served', () => {
    const captures = new URL('../fixtures/captures/', import.meta.url).pathname;
    const args = ['--pcap', `${captures}ctoxcore-0.2.18-loopback.pcap`, '--profile', `${captures}ctoxcore-0.2.18-alice.tox`, '--tolerance', '5'];
    expectOneLineError(toxstate(['check', ...args]), /^toxstate: check: --tolerance must be between 100 and 60000, got 5$/);
    expectOneLineError(toxstate(['inspect', ...args, '--no-open']), /^toxstate: inspect: --tolerance must be between 100 and 60000, got 5$/);
    // Like their other errors, a bad number names the command (node's errors name none, all alike).
    expectOneLineError(toxstate(['demo', '--seed', 'x']), /^toxstate: demo: --seed must be a whole number between 0 and 2147483647, got "x"$/);
    expectOneLineError(toxstate(['conformance', '--results', join(dir, 'missing.json')]), /^toxstate: conformance: --results .*missing\.json: the file does not exist$/);
  });
});

describe('toxstate node --inspect 0', () => {
  it('serves the inspector on any free port, as demo --inspect 0 does, and prints its URL', () => {
    const r = toxstate(['node', '--port', '0', '--inspect', '0', '--no-open', '--no-interactive', '--run-seconds', '1']);
    expect(r.status, r.stderr).toBe(0);
    const port = /^inspector: http:\/\/127\.0\.0\.1:(\d+)\/#token=[A-Za-z0-9_-]{43}$/m.exec(r.stderr)?.[1];
    expect(Number(port), r.stderr).toBeGreaterThan(0);
  });
});
