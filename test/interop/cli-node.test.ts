/**
 * `toxstate node --json` (the CLI, as a user runs it) with a c-toxcore peer on loopback, once per
 * version (Debian's 0.2.18; 0.2.23 built by .ci/run, required under TOXSTATE_REQUIRE_0223):
 * c-toxcore's friend request is accepted by `--accept-friends`, c-toxcore's messages come back
 * from `--echo` with receipts; the node is stopped (SIGTERM saves its profile) and started again
 * from the profile alone, on a new port with a new DHT key, and c-toxcore reaches it again
 * without a new request.
 *
 * Network rule: the node binds 127.0.0.1 and bootstraps only to 127.0.0.1 (so it stays on the
 * local network; its UdpNode refuses anything else); c-toxcore runs under the loopback shim.
 * Skipped with the printed reason when c-toxcore is unavailable.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeProcess, type NodeProcess } from '../../harness/node-process.js';
import { closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { cVersions } from '../../harness/interop/c-versions.js';

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing

const WAIT_MS = 40_000;

let dir = '';
const children: ChildProcess[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'toxstate-cli-interop-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await closeAllPeers();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const startCli = (args: readonly string[]): NodeProcess => startNodeProcess(args, children);

for (const v of versions) describe.skipIf(!v.available)(`toxstate node (CLI) with c-toxcore [c-toxcore ${v.version}]`, () => {
  it('accepts c-toxcore\'s friend request, echoes its messages, and after a restart from its profile is reached again', async () => {
    const profile = path.join(dir, `node-${v.version}.tox`);
    const started = performance.now();
    const node = startCli(['--profile', profile, '--name', 'toxstate cli', '--accept-friends', '--echo']);
    const self = await node.waitFor((e) => e.ev === 'self', 20_000, 'self event');
    const c = await CPeer.start({ ...v.extra, label: 'c-toxcore', name: 'c-toxcore', bootstrap: [{ port: Number(self['port']), dhtpk: String(self['dhtpk']) }] });
    const added = await c.request(`add ${String(self['toxid'])} hello toxstate cli`, 'friend_added');

    const req = await node.waitFor((e) => e.ev === 'friend_request', WAIT_MS, 'friend_request');
    expect(req).toMatchObject({ pk: c.identity.pk.toLowerCase(), message: 'hello toxstate cli' });
    await Promise.all([
      node.waitFor((e) => e.ev === 'friend_online' && e['friend'] === c.identity.pk.toLowerCase(), WAIT_MS, 'friend_online'),
      c.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', WAIT_MS),
    ]);
    console.log(`toxstate node (CLI) ← c-toxcore request: online ${((performance.now() - started) / 1000).toFixed(2)} s after the node started`);
    await c.waitForEvent('friend_name', (e) => e.friend === added.friend && e.name === 'toxstate cli', WAIT_MS);

    const id = await c.sendMessage(added.friend, 'echo me');
    await c.waitForEvent('receipt', (e) => e.id === id, WAIT_MS);
    const echo = await c.waitForEvent('message', (e) => e.text === 'echo me', WAIT_MS);
    expect(echo.friend).toBe(added.friend);
    await node.waitFor((e) => e.ev === 'receipt', WAIT_MS, 'receipt of the echo');

    // Stop (the profile is saved on the way out), then start from the profile alone.
    expect(await node.stop()).toBe(0);
    const since = c.mark();
    const restarted = performance.now();
    const again = startCli(['--profile', profile, '--echo', '--bootstrap', `127.0.0.1:${c.identity.port}:${c.identity.dhtpk}`]);
    const self2 = await again.waitFor((e) => e.ev === 'self', 20_000, 'self event');
    expect(self2['pk']).toBe(self['pk']);
    expect(self2['dhtpk']).not.toBe(self['dhtpk']);
    expect(self2['port']).not.toBe(self['port']);
    await Promise.all([
      again.waitFor((e) => e.ev === 'friend_online' && e['friend'] === c.identity.pk.toLowerCase(), WAIT_MS, 'friend_online after restart'),
      c.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', WAIT_MS, since),
    ]);
    console.log(`toxstate node (CLI) restart from its profile: online again ${((performance.now() - restarted) / 1000).toFixed(2)} s after the new process started`);
    const id2 = await c.sendMessage(added.friend, 'still there?');
    const echo2 = await c.waitForEvent('message', (e) => e.text === 'still there?', WAIT_MS, since);
    expect(echo2.friend).toBe(added.friend);
    await c.waitForEvent('receipt', (e) => e.id === id2, WAIT_MS, since);
    expect(again.events.some((e) => e.ev === 'friend_request')).toBe(false);
    expect(await again.stop()).toBe(0);
  }, 120_000);
});
