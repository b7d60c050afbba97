/**
 * `toxstate node` end to end over UDP on 127.0.0.1: B sends a friend request to A's Tox ID,
 * A accepts and echoes, B's message comes back; bad arguments are one-line errors.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeProcess, type NodeProcess } from '../../harness/node-process.js';
import { FIXTURE_TOX_ID, PLAIN_FIXTURE } from './run.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'toxstate-node-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const startNode = (args: string[]): NodeProcess => startNodeProcess(args, children);

describe('toxstate node', () => {
  it('befriends another node by friend request, and messages go both ways', async () => {
    const a = startNode(['--profile', join(dir, 'a.tox'), '--accept-friends', '--echo', '--run-seconds', '40']);
    const selfA = await a.waitFor((e) => e.ev === 'self', 10_000);
    expect(String(selfA['toxid'])).toMatch(/^[0-9A-F]{76}$/);
    const b = startNode([
      '--profile', join(dir, 'b.tox'),
      '--bootstrap', `127.0.0.1:${selfA['port']}:${selfA['dhtpk']}`,
      '--add-friend', `${selfA['toxid']}:hello from B`,
      '--send', 'ping over toxstate',
      '--run-seconds', '40',
    ]);
    const selfB = await b.waitFor((e) => e.ev === 'self', 10_000);
    const req = await a.waitFor((e) => e.ev === 'friend_request', 20_000);
    expect(req).toMatchObject({ pk: selfB['pk'], message: 'hello from B' });
    await b.waitFor((e) => e.ev === 'friend_online' && e['friend'] === selfA['pk'], 20_000);
    await b.waitFor((e) => e.ev === 'progress' && e['state'] === 'Established', 1_000);
    const echoed = await b.waitFor((e) => e.ev === 'message', 10_000);
    expect(echoed).toMatchObject({ friend: selfA['pk'], text: 'ping over toxstate' });
    await b.waitFor((e) => e.ev === 'receipt', 10_000);
    // The progress B reported walked the seed's order.
    for (const node of [a, b]) expect(node.events.filter((e) => e.ev === 'not-json')).toEqual([]);
    const states = b.events.filter((e) => e.ev === 'progress').map((e) => e['state']);
    expect(states.indexOf('AwaitingDHTKey')).toBeLessThan(states.indexOf('Established'));
  }, 60_000);

  it.each([
    [['--bootstrap', '127.0.0.1:33445'], /--bootstrap .*expected IP:PORT:DHTPK/],
    [['--bootstrap', `127.0.0.1:99999:${'ab'.repeat(32)}`], /port 99999 is out of range/],
    [['--add-friend', 'ABCD'], /--add-friend: .*length/i],
    [['--friend', 'zz'], /--friend .*64 hex/],
    [['--frobnicate'], /unknown option --frobnicate/],
    [['--port', 'x'], /--port must be a whole number/],
    [['--name', 'x'.repeat(129)], /--name: 129 bytes, at most 128/],
    [['--send', 'é'.repeat(687)], /--send: 1374 bytes; a message is 1 to 1372 bytes/],
    [['--accept-max', '5'], /--accept-max and --accept-rate bound --accept-friends/],
    [['--accept-friends', '--accept-rate', '0'], /--accept-rate must be between 1 and/],
    [['--bootstrap', `127.0.0.1:33445:${'ff'.repeat(32)}`], /not a valid DHT key/],
  ])('refuses %j with a one-line error', (args, message) => {
    const r = spawnSync(process.execPath, [BIN, 'node', '--bind', '127.0.0.1', ...(args as string[])], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a friend request to its own Tox ID with a one-line error, and exits (the socket closed)', () => {
    const profile = join(dir, 'own.tox');
    copyFileSync(PLAIN_FIXTURE, profile);
    const r = spawnSync(process.execPath, [BIN, 'node', '--bind', '127.0.0.1', '--port', '0', '--profile', profile, '--add-friend', FIXTURE_TOX_ID], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual(['toxstate: that Tox ID is our own']);
  });

  it('reports a port in use clearly', async () => {
    const a = startNode(['--run-seconds', '20']);
    const self = await a.waitFor((e) => e.ev === 'self', 10_000);
    const r = spawnSync(process.execPath, [BIN, 'node', '--bind', '127.0.0.1', '--port', String(self['port'])], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/in use/);
  }, 30_000);
});
