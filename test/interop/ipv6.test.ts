/**
 * `toxstate node --bind ::1` with a c-toxcore peer (0.2.18 and 0.2.23) on ::1 (issue 15): c-toxcore runs with
 * IPv6 enabled (its [::] bind forced onto ::1 by the loopback shim, local discovery off) and
 * bootstraps to toxstate's ::1 address; its friend request is accepted (`--accept-friends`), the
 * two sessions come up over IPv6, and messages go both ways (`--send` from toxstate, c-toxcore's
 * message echoed back with `--echo`). toxstate runs only its `tox6id:` announce task there.
 *
 * Network rule: the node binds ::1 and is given no other address; c-toxcore runs under the shim,
 * which refuses any destination off loopback. Skipped with the printed reason when c-toxcore is
 * unavailable (a failure under TOXSTATE_REQUIRE_INTEROP=1).
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeProcess } from '../../harness/node-process.js';
import { closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { cVersions } from '../../harness/interop/c-versions.js';

// Once per c-toxcore version (Debian's 0.2.18; 0.2.23 built by .ci/run, required under TOXSTATE_REQUIRE_0223).
const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing

const WAIT_MS = 40_000;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await closeAllPeers();
});

for (const v of versions) describe.skipIf(!v.available)(`toxstate node --bind ::1 with c-toxcore on ::1 [c-toxcore ${v.version}]`, () => {
  it('befriends c-toxcore over IPv6 and they exchange messages both ways', async () => {
    const started = performance.now();
    const node = startNodeProcess(['--name', 'toxstate v6', '--accept-friends', '--echo', '--send', 'hello over IPv6'], children, { bind: '::1' });
    const self = await node.waitFor((e) => e.ev === 'self', 20_000, 'self event');
    const c = await CPeer.start({ ...v.extra, label: 'c-toxcore v6', name: 'c-toxcore v6', ipv6: true, bootstrap: [{ ip: '::1', port: Number(self['port']), dhtpk: String(self['dhtpk']) }] });
    const added = await c.request(`add ${String(self['toxid'])} hello from c-toxcore on ::1`, 'friend_added');

    const req = await node.waitFor((e) => e.ev === 'friend_request', WAIT_MS, 'friend_request');
    expect(req).toMatchObject({ pk: c.identity.pk.toLowerCase(), message: 'hello from c-toxcore on ::1' });
    await Promise.all([
      node.waitFor((e) => e.ev === 'friend_online' && e['friend'] === c.identity.pk.toLowerCase(), WAIT_MS, 'friend_online'),
      c.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', WAIT_MS),
    ]);
    console.log(`toxstate node --bind ::1 ← c-toxcore (IPv6) request: online ${((performance.now() - started) / 1000).toFixed(2)} s after the node started`);

    // toxstate → c-toxcore: --send goes out when the friend comes online.
    const hello = await c.waitForEvent('message', (e) => e.text === 'hello over IPv6', WAIT_MS);
    expect(hello.friend).toBe(added.friend);
    // c-toxcore → toxstate, and back again (--echo), with receipts both ways.
    const id = await c.sendMessage(added.friend, 'echo me over IPv6');
    await node.waitFor((e) => e.ev === 'message' && e['text'] === 'echo me over IPv6', WAIT_MS, 'message from c-toxcore');
    await c.waitForEvent('receipt', (e) => e.id === id, WAIT_MS);
    await c.waitForEvent('message', (e) => e.text === 'echo me over IPv6', WAIT_MS);
    await node.waitFor((e) => e.ev === 'receipt', WAIT_MS, 'receipt from c-toxcore');
    // Announced through the onion with the IPv6 task only (c-toxcore is the announce node).
    const announced = await node.waitFor((e) => e.ev === 'announced', WAIT_MS, 'announced');
    expect(announced['family']).toBe('ipv6');

    expect(await node.stop()).toBe(0);
    const stopped = node.events.find((e) => e.ev === 'stopped')!;
    const counters = stopped['counters'] as Record<string, number>;
    // Nothing was ever tried towards IPv4 or off loopback.
    expect(counters['tx.refused_non_loopback'] ?? 0).toBe(0);
    expect(counters['tx.refused_family'] ?? 0).toBe(0);
    expect(counters['error.handler'] ?? 0).toBe(0);
    expect(node.events.filter((e) => e.ev === 'announced').every((e) => e['family'] === 'ipv6')).toBe(true);
    const info = await c.request('info', 'info');
    expect(Number((info as unknown as Record<string, unknown>)['shim_dropped'] ?? 0)).toBe(0);
  });
});
