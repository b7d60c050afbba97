/**
 * toxstate and c-toxcore become friends by friend request, each way, on loopback, once with
 * Debian's c-toxcore 0.2.18 and once with 0.2.23 (built from the vendored sources by .ci/run; the test
 * names say which; TOXSTATE_REQUIRE_0223=1 makes a missing 0.2.23 fail): the
 * request crosses the onion, the accepting side adds the friend, both report it online, and
 * messages go both ways with receipts. toxstate runs in-process (`TPeer`: Engine + UdpNode on
 * 127.0.0.1), c-toxcore as `cpeer` under the loopback shim.
 *
 * Network rule: every socket is on 127.0.0.1 and every bootstrap is 127.0.0.1; UdpNode refuses
 * anything else (asserted: `tx.refused_non_loopback` stays 0). Skipped with the printed reason
 * when c-toxcore is unavailable. Times are printed, never asserted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { cVersions } from '../../harness/interop/c-versions.js';
import { closeAllTPeers, TPeer } from '../../harness/interop/tpeer.js';

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing

/** Bound on every wait (c-toxcore's own onion search, the slowest path, takes ~10 s). */
const WAIT_MS = 40_000;

afterAll(async () => {
  await closeAllTPeers();
  await closeAllPeers();
});

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Messages both ways with receipts between an online pair (friend numbers/keys as each side knows the other). */
async function messagesBothWays(t: TPeer, c: CPeer, cFriend: number): Promise<void> {
  const cPk = c.identity.pk.toLowerCase();
  const since = c.mark();
  const ours = t.sendMessage(cPk, 'hello from toxstate ✓');
  const action = t.sendMessage(cPk, 'waves', 'action');
  const got = await c.waitForEvent('message', (e) => e.text === 'hello from toxstate ✓', WAIT_MS, since);
  expect(got.type).toBe('normal');
  expect(got.pk.toLowerCase()).toBe(t.pkHex);
  expect((await c.waitForEvent('message', (e) => e.text === 'waves', WAIT_MS, since)).type).toBe('action');
  await t.waitForEvent('receipt', (e) => e.friend === cPk && e.id === ours);
  await t.waitForEvent('receipt', (e) => e.friend === cPk && e.id === action);

  const mark = t.mark();
  const theirs = await c.sendMessage(cFriend, 'hello from c-toxcore 🦊');
  const m = await t.waitForEvent('message', (e) => e.text === 'hello from c-toxcore 🦊', WAIT_MS, mark);
  expect(m).toMatchObject({ friend: cPk, kind: 'normal' });
  await c.waitForEvent('receipt', (e) => e.friend === cFriend && e.id === theirs, WAIT_MS, since);
}

function expectClean(t: TPeer): void {
  expect(t.engine.counters.get('error.handler'), t.engine.lastError ?? '').toBe(0);
  expect(t.engine.counters.get('tx.refused_non_loopback')).toBe(0);
}

for (const v of versions) describe.skipIf(!v.available)(`friend requests between toxstate and c-toxcore [c-toxcore ${v.version}]`, () => {
  it('toxstate requests, c-toxcore (--accept-all) accepts: both online, messages both ways with receipts', async () => {
    const started = performance.now();
    const c = await CPeer.start({ ...v.extra, label: 'c-toxcore', name: 'c-toxcore', acceptAll: true });
    const t = await TPeer.start({ label: 'toxstate', name: 'toxstate', bootstrap: [{ port: c.identity.port, dhtpk: c.identity.dhtpk }] });
    const cPk = c.identity.pk.toLowerCase();
    t.sendFriendRequest(c.identity.toxid, 'hello from toxstate');
    expect(t.engine.friends.get(cPk)?.status).toBe('added');

    const req = await c.waitForEvent('friend_request', (e) => e.pk.toLowerCase() === t.pkHex, WAIT_MS);
    expect(req.message).toBe('hello from toxstate');
    const added = await c.waitForEvent('friend_added', (e) => e.pk.toLowerCase() === t.pkHex && e.via === 'accept-all', WAIT_MS);
    const requestAt = performance.now() - started;

    await Promise.all([
      t.waitForEvent('friend_online', (e) => e.friend === cPk),
      c.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', WAIT_MS),
    ]);
    const onlineAt = performance.now() - started;
    console.log(`toxstate → c-toxcore friend request: request at c-toxcore ${seconds(requestAt)}, both online ${seconds(onlineAt)} after start`);
    expect(t.engine.progressOf(cPk)).toBe('Established');
    // The accepted request is confirmed, as a c-toxcore profile records it.
    expect(t.engine.friends.get(cPk)?.status).toBe('confirmed');
    await t.waitForEvent('friend_name', (e) => e.friend === cPk && e.name === 'c-toxcore');
    await c.waitForEvent('friend_name', (e) => e.friend === added.friend && e.name === 'toxstate', WAIT_MS);

    await messagesBothWays(t, c, added.friend);
    expect(c.events.filter((e) => e.event === 'friend_request')).toHaveLength(1);
    expectClean(t);
  }, 90_000);

  it('c-toxcore requests (add TOXID MESSAGE), toxstate accepts: both online, messages both ways with receipts', async () => {
    const started = performance.now();
    const t = await TPeer.start({ label: 'toxstate', name: 'toxstate' });
    const c = await CPeer.start({ ...v.extra, label: 'c-toxcore', name: 'c-toxcore', bootstrap: [t.asBootstrap] });
    const cPk = c.identity.pk.toLowerCase();
    const added = await c.request(`add ${t.toxId} hello from c-toxcore`, 'friend_added');

    const req = await t.waitForEvent('friend_request', (e) => e.pk === cPk);
    const requestAt = performance.now() - started;
    expect(req.message).toBe('hello from c-toxcore');
    expect(t.engine.counters.get('onion.friend_request_received')).toBeGreaterThanOrEqual(1);
    t.run((e, now) => e.acceptFriendRequest(now, req.pk));
    expect(t.engine.friends.get(cPk)?.status).toBe('confirmed');

    await Promise.all([
      t.waitForEvent('friend_online', (e) => e.friend === cPk),
      c.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', WAIT_MS),
    ]);
    const onlineAt = performance.now() - started;
    console.log(`c-toxcore → toxstate friend request: request at toxstate ${seconds(requestAt)}, both online ${seconds(onlineAt)} after start`);
    expect(t.engine.progressOf(cPk)).toBe('Established');
    await t.waitForEvent('friend_name', (e) => e.friend === cPk && e.name === 'c-toxcore');

    await messagesBothWays(t, c, added.friend);
    expect(t.events.filter((e) => e.type === 'friend_request')).toHaveLength(1);
    expectClean(t);
  }, 90_000);
});
