/**
 * toxstate on a DHT made of c-toxcore nodes only (issue 4), once with Debian's 0.2.18 and once
 * with 0.2.23 (built by .ci/run, required under TOXSTATE_REQUIRE_0223), on loopback: three c-toxcore
 * peers bootstrapped to each other; toxstate nodes bootstrap to one of them.
 *   - A toxstate node announces itself (the `announced` event) at c-toxcore announce nodes, through
 *     c-toxcore onion relays (its DHT holds only c-toxcore nodes, so every relay it picks is one).
 *   - A c-toxcore peer's friend request reaches it over the onion; it accepts, and they connect.
 *   - Two toxstate friends, each bootstrapped to a different c-toxcore node and serving no onion
 *     themselves (so every relay and announce node is c-toxcore), find each other over that
 *     network: they reach Established (the brief's floor is AcquiringCookie; Established is what
 *     happens, and what is asserted).
 *
 * Network rule: 127.0.0.1 only. Skipped with the printed reason when c-toxcore is unavailable.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAllPeers, type CPeer, startPeers } from '../../harness/interop/cpeer.js';
import { cVersions } from '../../harness/interop/c-versions.js';
import { closeAllTPeers, TPeer } from '../../harness/interop/tpeer.js';

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing

const WAIT_MS = 40_000;

afterAll(async () => {
  await closeAllTPeers();
  await closeAllPeers();
});

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const asNode = (c: CPeer): { port: number; dhtpk: string } => ({ port: c.identity.port, dhtpk: c.identity.dhtpk });

for (const v of versions) describe.skipIf(!v.available)(`toxstate on a DHT of c-toxcore nodes only [c-toxcore ${v.version}]`, () => {
  let peers: CPeer[] = [];

  it('a toxstate node announces itself through c-toxcore relays at c-toxcore nodes, and a c-toxcore friend request reaches it', async () => {
    peers = await startPeers(3, (i) => ({ ...v.extra, label: `c${i}`, name: `c${i}` }));
    const cDhtKeys = new Set(peers.map((p) => p.identity.dhtpk.toLowerCase()));
    const started = performance.now();
    const t = await TPeer.start({ label: 'toxstate', name: 'toxstate', bootstrap: [asNode(peers[0]!)] });
    await t.waitForEvent('announced');
    const announcedMs = performance.now() - started;
    // Its onion nodes are c-toxcore nodes, and at least one stores it (is_stored 2).
    const selfNodes = t.engine.onion.selfNodes();
    expect(selfNodes.length).toBeGreaterThan(0);
    for (const n of selfNodes) expect(cDhtKeys.has(n.pkHex)).toBe(true);
    expect(selfNodes.some((n) => n.isStored === 2)).toBe(true);
    // Its DHT knows the c-toxcore nodes it was never told about.
    await t.until(() => t.engine.dht.goodNodes().length === 3, 'all three c-toxcore nodes in its DHT');
    for (const n of t.engine.dht.goodNodes()) expect(cDhtKeys.has(n.pkHex)).toBe(true);

    // c1's friend request: onion data 32 through c1's relays to the c-toxcore node that stores
    // toxstate, then along toxstate's return path (c-toxcore relays) to it.
    const requester = peers[1]!;
    const sent = await requester.request(`add ${t.toxId} hello over c-toxcore relays`, 'friend_added');
    const req = await t.waitForEvent('friend_request', (e) => e.pk === requester.identity.pk.toLowerCase());
    const requestMs = performance.now() - started;
    expect(req.message).toBe('hello over c-toxcore relays');
    expect(t.engine.counters.get('onion.friend_request_received')).toBeGreaterThanOrEqual(1);

    t.run((e, now) => e.acceptFriendRequest(now, req.pk));
    await Promise.all([
      t.waitForEvent('friend_online', (e) => e.friend === req.pk),
      requester.waitForEvent('friend_connection', (e) => e.friend === sent.friend && e.status === 'udp', WAIT_MS),
    ]);
    const onlineMs = performance.now() - started;
    console.log(
      `toxstate on a 3-node c-toxcore DHT: announced ${seconds(announcedMs)}, c-toxcore's friend request arrived ${seconds(requestMs)}, ` +
        `online with the requester ${seconds(onlineMs)} after toxstate started`,
    );
    const id = t.sendMessage(req.pk, 'hi c1');
    await requester.waitForEvent('message', (e) => e.text === 'hi c1', WAIT_MS);
    await t.waitForEvent('receipt', (e) => e.id === id);
    expect(t.engine.counters.get('error.handler'), t.engine.lastError ?? '').toBe(0);
    expect(t.engine.counters.get('tx.refused_non_loopback')).toBe(0);
    await t.close();
  }, 120_000);

  it('two toxstate friends that serve no onion, bootstrapped to different c-toxcore nodes, find each other through c-toxcore announce nodes and reach Established', async () => {
    if (peers.length !== 3) peers = await startPeers(3, (i) => ({ ...v.extra, label: `c${i}`, name: `c${i}` }));
    const cDhtKeys = new Set(peers.map((p) => p.identity.dhtpk.toLowerCase()));
    const started = performance.now();
    // serveOnion false: neither relays nor stores announces, so A and B can only meet at c-toxcore nodes.
    const a = await TPeer.start({ label: 'toxstate A', bootstrap: [asNode(peers[0]!)], serveOnion: false });
    const b = await TPeer.start({ label: 'toxstate B', bootstrap: [asNode(peers[2]!)], friends: [a.pkHex], serveOnion: false });
    a.addFriend(b.pkHex);
    await Promise.all([a.waitForEvent('friend_online', (e) => e.friend === b.pkHex), b.waitForEvent('friend_online', (e) => e.friend === a.pkHex)]);
    console.log(`two toxstate friends on a 3-node c-toxcore DHT: both online ${seconds(performance.now() - started)} after the first started`);
    // They passed through every step; AcquiringCookie (or a direct inbound handshake) came before Established.
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      expect(x.engine.progressOf(y.pkHex)).toBe('Established');
      const steps = x.events.flatMap((e) => (e.type === 'progress' && e.friend === y.pkHex ? [e.state] : []));
      expect(steps[0]).toBe('AwaitingDHTKey');
      expect(steps.at(-1)).toBe('Established');
      expect(x.engine.counters.get('error.handler'), x.engine.lastError ?? '').toBe(0);
      expect(x.engine.counters.get('tx.refused_non_loopback')).toBe(0);
    }
    // Both announced at c-toxcore nodes only, and found each other there.
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      expect(x.engine.onion.selfNodes().some((n) => n.isStored === 2)).toBe(true);
      for (const n of x.engine.onion.selfNodes()) expect(cDhtKeys.has(n.pkHex)).toBe(true);
      for (const n of x.engine.onion.friendNodes(y.pkHex)) expect(cDhtKeys.has(n.pkHex)).toBe(true);
      expect(x.engine.counters.get('announce.answered_0') + x.engine.counters.get('onion.relayed_request_0')).toBe(0);
    }
    expect(a.engine.counters.get('onion.friend_found') + b.engine.counters.get('onion.friend_found')).toBeGreaterThanOrEqual(1);
    const id = a.sendMessage(b.pkHex, 'over the c-toxcore DHT');
    await b.waitForEvent('message', (e) => e.text === 'over the c-toxcore DHT');
    await a.waitForEvent('receipt', (e) => e.id === id);
  }, 120_000);
});
