/**
 * toxstate and c-toxcore through TCP relays, on loopback, against c-toxcore 0.2.18 and 0.2.23 (the
 * first part is tcp-relays.test.ts):
 *
 * 4. A friendship that starts on a relay moves to UDP once the peers can reach each other directly.
 *    Both have UDP on; a simulated firewall at the toxstate peer (TPeer dropSent/dropReceived: every
 *    datagram to or from the c-toxcore peer's UDP port) makes the relay the only way between them,
 *    while both still reach the relay node's DHT. They come online over TCP; the firewall is lifted;
 *    then c-toxcore's own rules bring the direct path up: its DHT hears the toxstate node directly and
 *    hands the address to net_crypto (DHT.c addto_lists → friend_connection.c dht_ip_callback →
 *    net_crypto.c set_direct_ip_port), net_crypto probes it with small packets while the link is not
 *    direct (net_crypto.c send_packet_to), and one valid packet over UDP makes the link direct
 *    (handle_packet_connection with an IP source). toxstate probes the same way (net_crypto/paths.ts).
 *    The session never goes down: toxstate reports `friend_path` 'udp', c-toxcore tcp → udp.
 * 5. Restarts reconnect through the relay: the UDP-off c-toxcore peer restarts from its profile (new
 *    DHT key), and in another test the toxstate peer restarts from its profile (new DHT key, new
 *    port; back on the relay saved in its profile at once, it names it in its DHT-PK, so c-toxcore
 *    routes to the new key through it: onion_client.c handle_dhtpk_announce → friend_connection.c
 *    tcp_relay_node_callback): both online over TCP again, messages flow. The restarted toxstate
 *    starts 1 s after c-toxcore ended the old session, clear of a c-toxcore race explained above the
 *    5b test.
 *
 * Times are printed, never asserted; every wait is bounded. Network rule: 127.0.0.1 only (shim
 * drop counters and toxstate's refusal counter asserted 0). Skipped with the printed reason when
 * c-toxcore is unavailable (0.2.23: when not built under prefix0223()).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllPeers, CPeer, tcpRelayOf } from '../../harness/interop/cpeer.js';
import { cTag, cVersions, type CVersion } from '../../harness/interop/c-versions.js';
import { cStatuses, exchange, expectedLoopbackOnly, seconds, startRelayTrio } from '../../harness/interop/tcp-relay-peers.js';
import { closeAllTPeers, type TPeer } from '../../harness/interop/tpeer.js';
import { toHex } from '../../protocol/bytes.js';

const versions = await cVersions();

/** Bound on every wait (0.2.23 comes online through a relay in ~40 s, 0.2.18 in ~9 s). */
const WAIT_MS = 75_000;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'toxstate-tcp-relays-'));
});
afterEach(async () => {
  await closeAllTPeers();
  await closeAllPeers();
});
afterAll(async () => {
  await closeAllTPeers();
  await closeAllPeers();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** Time from `since` (performance.now()) to when `t` saw event `e`. */
function seenAfter(t: TPeer, e: object, since: number): string {
  return seconds(t.seenAtMs[t.events.indexOf(e as (typeof t.events)[number])]! - since);
}

/** Scenario 4: online over the relay behind a simulated firewall, which is then lifted. */
async function tcpThenUdp(v: CVersion): Promise<void> {
  let firewalled = true;
  let cPort = -1;
  const blocked = { sent: 0, received: 0 };
  /** The firewall: while up, every datagram to or from the c-toxcore peer's UDP port is discarded (and counted). */
  const firewall = (port: number, way: 'sent' | 'received'): boolean => {
    if (!firewalled || port !== cPort) return false;
    blocked[way]++;
    return true;
  };
  const { r, c, t, startedAt } = await startRelayTrio(v, {
    cOptions: { udpOff: false, acceptAll: true },
    tOptions: { dropSent: (to) => firewall(to.port, 'sent'), dropReceived: (from) => firewall(from.port, 'received') },
  });
  cPort = c.identity.port;
  expect(c.identity).toMatchObject({ udp: true, toxcore: v.version });
  expect(cPort).toBeGreaterThan(0);
  const cPk = c.identity.pk.toLowerCase();

  t.sendFriendRequest(c.identity.toxid, `tcp first, then udp (${v.version})`);
  const cFriend = (await c.waitForEvent('friend_added', (e) => e.pk.toLowerCase() === t.pkHex, WAIT_MS)).friend;
  const [online, cConn] = await Promise.all([
    t.waitForEvent('friend_online', (e) => e.friend === cPk, WAIT_MS),
    c.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status !== 'none', WAIT_MS),
  ]);
  console.log(`scenario 4 (${v.version}): online over ${online.path} ${seenAfter(t, online, startedAt)} after both were started (c-toxcore: ${cConn.status})`);
  expect(online.path).toBe('tcp');
  expect(cConn.status).toBe('tcp');
  await exchange(t, c, cFriend, `${v.version} over the relay`, WAIT_MS);
  // The firewall did stand between them: each side tried UDP to the other.
  expect(blocked.sent).toBeGreaterThan(0);
  expect(blocked.received).toBeGreaterThan(0);
  expect(t.events.some((e) => e.type === 'friend_path' && e.friend === cPk)).toBe(false);

  const tMark = t.mark();
  const cMark = c.mark();
  const liftedAt = performance.now();
  firewalled = false;
  const [toUdp, cUdp] = await Promise.all([
    t.waitForEvent('friend_path', (e) => e.friend === cPk && e.path === 'udp', WAIT_MS, tMark),
    c.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status === 'udp', WAIT_MS, cMark),
  ]);
  console.log(
    `scenario 4 (${v.version}): after the firewall was lifted, toxstate moved to udp in ${seenAfter(t, toUdp, liftedAt)}, ` +
      `c-toxcore at t=${seconds(cUdp.t)} (${seconds(cUdp.t - cConn.t)} after its tcp report)`,
  );
  await exchange(t, c, cFriend, `${v.version} direct`, WAIT_MS);

  // One session all along: never offline on either side, toxstate's path went tcp → udp and stayed.
  expect(t.events.filter((e) => e.type === 'friend_offline' && e.friend === cPk)).toEqual([]);
  expect(t.events.filter((e) => e.type === 'friend_online' && e.friend === cPk)).toHaveLength(1);
  expect(t.events.flatMap((e) => (e.type === 'friend_path' && e.friend === cPk ? [e.path] : []))).toEqual(['udp']);
  expect(cStatuses(c, cFriend)).toEqual(['tcp', 'udp']);
  expect(await expectedLoopbackOnly([r, c], [t])).toEqual([]);
  expect(t.engine.counters.get('error.handler')).toBe(0);
}

/** A UDP-off c-toxcore peer (with a profile) and toxstate, friends without a request, online over R. */
async function onlineOverRelay(v: CVersion, profile: string) {
  const trio = await startRelayTrio(v, { cOptions: { profile } });
  const { c, t } = trio;
  const cPk = c.identity.pk.toLowerCase();
  t.addFriend(cPk);
  const cFriend = (await c.request(`addnr ${t.pkHex}`, 'friend_added')).friend;
  const [online] = await Promise.all([
    t.waitForEvent('friend_online', (e) => e.friend === cPk, WAIT_MS),
    c.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status === 'tcp', WAIT_MS),
  ]);
  expect(online.path).toBe('tcp');
  await exchange(t, c, cFriend, `${v.version} before`, WAIT_MS);
  return { ...trio, cFriend, cPk };
}

/** Scenario 5, c-toxcore side: it quits and starts again from its profile. */
async function cRestarts(v: CVersion): Promise<void> {
  const profile = path.join(dir, `c-${v.version}.tox`);
  const { r, c, t, cFriend, cPk } = await onlineOverRelay(v, profile);

  const mark = t.mark();
  const stopAt = performance.now();
  expect((await c.close()).code).toBe(0);
  const offline = await t.waitForEvent('friend_offline', (e) => e.friend === cPk, WAIT_MS, mark);
  console.log(`scenario 5 (${v.version}): c-toxcore quit; toxstate saw it offline after ${seenAfter(t, offline, stopAt)} (${offline.reason})`);

  const restartAt = performance.now();
  const c2 = await CPeer.start({ ...c.options, label: `C-${v.version} again` });
  expect(c2.identity.pk).toBe(c.identity.pk);
  expect(c2.identity.dhtpk).not.toBe(c.identity.dhtpk);
  // The friendship came back from the profile, under the same friend number.
  expect((await c2.request('friends', 'friends')).friends.map((f) => f.pk.toLowerCase())).toEqual([t.pkHex]);
  const [online, cConn] = await Promise.all([
    t.waitForEvent('friend_online', (e) => e.friend === cPk, WAIT_MS, mark),
    c2.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status !== 'none', WAIT_MS),
  ]);
  console.log(`scenario 5 (${v.version}): restarted c-toxcore back online over ${online.path} ${seenAfter(t, online, restartAt)} after its restart (c-toxcore: ${cConn.status})`);
  expect(online.path).toBe('tcp');
  expect(cConn.status).toBe('tcp');
  await exchange(t, c2, cFriend, `${v.version} after the c-toxcore restart`, WAIT_MS);
  expect(await expectedLoopbackOnly([r, c2], [t])).toEqual([]);
}

/**
 * How long the restarted toxstate starts after c-toxcore ended the old session: a restarted program
 * is not back within a tenth of a second, and c-toxcore needs about that long after the session ends
 * to settle its retry of the old DHT key (see the race explained above the 5b test).
 */
const RESTART_PAUSE_MS = 1_000;
/** Bound on the wait, before that pause, for c-toxcore to end the session of the closed toxstate. */
const CLOSE_SEEN_MS = 5_000;

/** Scenario 5, toxstate side: it closes and starts again from its profile (TPeer.restart). */
async function tRestarts(v: CVersion): Promise<void> {
  const profile = path.join(dir, `c-${v.version}-b.tox`);
  const { r, c, t, cFriend, cPk } = await onlineOverRelay(v, profile);
  const relayPk = tcpRelayOf(r).pk.toLowerCase();
  // The relay is saved with toxstate's profile (TCP_RELAY), as c-toxcore saves its relays.
  expect((t.profile().tcpRelays?.nodes ?? []).map((n) => toHex(n.publicKey))).toContain(relayPk);

  const cMark = c.mark();
  const stopAt = performance.now();
  // close() sends kill packets through the relay. The new engine starts RESTART_PAUSE_MS after
  // c-toxcore ended the session (0.2.18 does so on the kill packet; 0.2.23 keeps the session until
  // its timeout, so the wait for that is bounded by CLOSE_SEEN_MS).
  const t2 = await t.restart({ label: 'toxstate again' }, async () => {
    await c.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status === 'none', CLOSE_SEEN_MS, cMark).catch(() => undefined);
    await sleep(RESTART_PAUSE_MS);
  });
  const restartAt = performance.now();
  expect(t2.pkHex).toBe(t.pkHex);
  expect(t2.dhtpkHex).not.toBe(t.dhtpkHex);
  const down = await c.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status === 'none', WAIT_MS, cMark);
  console.log(`scenario 5 (${v.version}): toxstate restarted ${seconds(restartAt - stopAt)} after the close began; c-toxcore saw it offline at t=${seconds(down.t)} (${seconds(performance.now() - stopAt)} after the close began)`);
  const downAt = c.events.indexOf(down);
  const [online, cConn] = await Promise.all([
    t2.waitForEvent('friend_online', (e) => e.friend === cPk, WAIT_MS),
    c.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status !== 'none', WAIT_MS, downAt + 1),
  ]);
  console.log(`scenario 5 (${v.version}): restarted toxstate back online over ${online.path} ${seenAfter(t2, online, restartAt)} after its restart (c-toxcore: ${cConn.status})`);
  expect(online.path).toBe('tcp');
  expect(cConn.status).toBe('tcp');
  expect(cStatuses(c, cFriend, cMark)).toEqual(['none', 'tcp']);
  // Back on the saved relay by itself, while still waiting for the friend's DHT key (not only once
  // the friend's DHT-PK named the relay, as when the profile's relays were not loaded: then ~30 s).
  const relayUp = t2.events.findIndex((e) => e.type === 'relay_status' && e.relay === relayPk && e.online);
  const keyKnown = t2.events.findIndex((e) => e.type === 'progress' && e.friend === cPk && e.state !== 'AwaitingDHTKey');
  expect(relayUp).toBeGreaterThanOrEqual(0);
  expect(keyKnown).toBeGreaterThan(relayUp);
  await exchange(t2, c, cFriend, `${v.version} after the toxstate restart`, WAIT_MS);
  expect(await expectedLoopbackOnly([r, c], [t2])).toEqual([]);
  expect(t2.engine.counters.get('error.handler')).toBe(0);
}

for (const v of versions) {
  describe.skipIf(!v.available)(`toxstate ↔ c-toxcore: relay paths and restarts ${cTag(v)}`, () => {
    it(`4: with c-toxcore ${v.version}, a session that starts on the relay moves to UDP once a firewall between the peers is lifted, never going offline`, async () => {
      await tcpThenUdp(v);
    }, 240_000);

    it(`5a: a UDP-off c-toxcore ${v.version} peer restarts from its profile and reconnects to toxstate through the relay`, async () => {
      await cRestarts(v);
    }, 240_000);

    // 5b against c-toxcore's race (TCP_connection.c, 0.2.18 and 0.2.23 alike): when a friend's
    // session ends, c-toxcore at once opens a new one to the friend's old DHT key and asks its relay
    // for a route to that key (friend_connection.c do_friend_connections → friend_new_connection,
    // connect_to_saved_tcp_relays). If the friend's new DHT key arrives before the relay's routing
    // response, dht_pk_callback kills that connection, and kill_tcp_connection_to (v0.2.18
    // TCP_connection.c:690) sends a disconnect request for connection id 0 — the id of a slot that
    // was never answered — which frees whatever the relay holds in slot 0. The late routing response
    // then occupies the client's slot 0 (TCP_client.c handle_TCP_client_routing_response) for a key
    // no connection wants, so the route to the new key, which the relay puts in its now free slot 0,
    // is ignored (TCP_client.c:666, status != 0): c-toxcore never registers it, so it sends nothing
    // through the relay to that key (TCP_connection.c send_packet_tcp_connection needs a registered
    // or online slot) until its relay connection restarts. toxstate, restarted at once, hands over its
    // new DHT key within ~0.1 s of the kill packets and hit the race in 3 runs of 9 with
    // 0.2.18; a restart after c-toxcore has settled (RESTART_PAUSE_MS) does not.
    it(`5b: toxstate restarts from its profile (back on its saved relay) and reconnects to a UDP-off c-toxcore ${v.version} peer through the relay`, async () => {
      await tRestarts(v);
    }, 240_000);
  });
}
