/**
 * c-toxcore ↔ c-toxcore through a c-toxcore TCP relay, on loopback: the reference the toxstate TCP
 * client and server will be tested against. A relay peer R (UDP on, serving a TCP relay,
 * tox_options tcp_port) and two TCP-only peers A and B (tox_options udp_enabled false) that know
 * R as their TCP relay (tox_add_tcp_relay) and as their onion bootstrap node (tox.c tox_bootstrap:
 * with UDP off it only seeds the onion paths, onion_client.c random_nodes_path_onion starts a path
 * at a TCP relay). A requests B, B accepts, both report the friend connection as TCP
 * (TOX_CONNECTION_TCP; friend_connection.c routes through TCP_connection.c), and messages cross both
 * ways with receipts. Every test runs with Debian's 0.2.18 and with 0.2.23 under
 * $TOXSTATE_CTOXCORE_0223_PREFIX (default /opt/c-toxcore-0.2.23; harness/interop/c-versions.ts,
 * required under TOXSTATE_REQUIRE_0223=1); the test names say which.
 *
 * Network rule: R's TCP listen socket is on 127.0.0.1 (the shim rebinds c-toxcore's wildcard
 * listen, TCP_server.c new_listening_TCP_socket), or on ::1 with ipv6 — asserted from /proc, as is
 * A's and B's lack of any UDP socket. Skipped with the printed reason when c-toxcore is unavailable.
 * How long A and B take to come online through the relay is printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { cTag, cVersions } from '../../harness/interop/c-versions.js';
import { befriendByRequest, closeAllPeers, CPeer, type CPeerOptions, startTcpRelay, tcpRelayOf } from '../../harness/interop/cpeer.js';
import { buildCPeerAt, buildNative } from '../../harness/interop/native-build.js';
import { TCP_ESTABLISHED, TCP_LISTEN, tcpSocketsOfPid } from '../../harness/interop/proc-tcp.js';
import { udpSocketsOfPid } from '../../harness/interop/proc-udp.js';

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing

/**
 * Bound on every wait. Measured on loopback: a 0.2.18 pair comes online through the relay ~9.4 s
 * after starting; a 0.2.23 pair ~39.5 s, every run, also when both add each other without a request
 * (so it is not the request-before-DHT-PK race; the cause is in 0.2.23 and not pinned down yet).
 */
const WAIT_MS = 75_000;

afterAll(() => closeAllPeers());

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const isLoopback = (address: string): boolean => address === '::1' || /^127\./.test(address) || /^::ffff:127\./.test(address);

/** R listens on `host` at its relay port, and every socket it listens on is a loopback one. */
async function expectRelayListensOnLoopbackOnly(r: CPeer, host: '127.0.0.1' | '::1'): Promise<void> {
  const relay = tcpRelayOf(r);
  const listening = (await tcpSocketsOfPid(r.pid)).filter((s) => s.state === TCP_LISTEN);
  expect(listening.map((s) => `${s.address}:${s.port}`)).toEqual([`${host}:${relay.port}`]);
  for (const s of listening) expect(isLoopback(s.address)).toBe(true);
  for (const s of await udpSocketsOfPid(r.pid)) expect(isLoopback(s.address)).toBe(true);
}

async function relayPair(version: string, extra: CPeerOptions): Promise<void> {
  const r = await startTcpRelay({ label: `R-${version}`, name: 'relay', ...extra });
  expect(r.identity.toxcore).toBe(version);
  const relay = tcpRelayOf(r);
  // The relay's key is the node's DHT key (Messenger.c new_messenger hands new_TCP_server the DHT secret key).
  expect(r.identity.tcp_pk).toBe(r.identity.dhtpk);
  expect(r.identity.tcp_port).toBe(relay.port);
  expect(r.identity.udp).toBe(true);
  await expectRelayListensOnLoopbackOnly(r, '127.0.0.1');

  const started = performance.now();
  const viaR: CPeerOptions = { ...extra, udpOff: true, tcpRelays: [relay], bootstrap: [{ port: r.identity.port, dhtpk: r.identity.dhtpk }] };
  const [a, b] = await Promise.all([
    CPeer.start({ label: `A-${version}`, name: 'A', ...viaR }),
    CPeer.start({ label: `B-${version}`, name: 'B', acceptAll: true, ...viaR }),
  ]);
  for (const p of [a, b]) {
    expect(p.identity).toMatchObject({ udp: false, port: 0, tcp_port: 0, toxcore: version });
    expect(p.identity.tcp_pk).toBeUndefined();
    // TCP-only: no UDP socket at all.
    expect(await udpSocketsOfPid(p.pid)).toEqual([]);
  }

  const link = await befriendByRequest(a, b, `hello through the relay (${version})`, WAIT_MS, 'tcp');
  const onlineMs = performance.now() - started;
  console.log(
    `c-toxcore ${version}: A and B (UDP off) online through the TCP relay ${seconds(onlineMs)} after they were started ` +
      `(A at t=${seconds(link.fromOnlineT)}, B at t=${seconds(link.toOnlineT)} since their own tox_new)`,
  );

  // Messages both ways, with receipts.
  const m1 = await a.sendMessage(link.fromFriend, 'A to B over TCP');
  expect((await b.waitForEvent('message', (e) => e.text === 'A to B over TCP', WAIT_MS)).pk).toBe(a.identity.pk);
  await a.waitForEvent('receipt', (e) => e.id === m1 && e.friend === link.fromFriend, WAIT_MS);
  const m2 = await b.sendMessage(link.toFriend, 'B to A over TCP', 'action');
  const got = await a.waitForEvent('message', (e) => e.text === 'B to A over TCP', WAIT_MS);
  expect(got).toMatchObject({ pk: b.identity.pk, type: 'action' });
  await b.waitForEvent('receipt', (e) => e.id === m2 && e.friend === link.toFriend, WAIT_MS);

  // Never UDP: every friend connection report on either side is tcp (or none).
  for (const p of [a, b]) {
    const statuses = p.events.flatMap((e) => (e.event === 'friend_connection' ? [e.status] : []));
    expect(statuses).toContain('tcp');
    expect(statuses).not.toContain('udp');
    expect((await p.request('friends', 'friends')).friends.map((f) => f.status)).toEqual(['tcp']);
  }
  // A's and B's TCP connections all go to R's relay port on 127.0.0.1; still no UDP socket.
  for (const p of [a, b]) {
    const conns = (await tcpSocketsOfPid(p.pid)).filter((s) => s.state === TCP_ESTABLISHED);
    expect(conns.length).toBeGreaterThan(0);
    for (const s of conns) expect(`${s.remoteAddress}:${s.remotePort}`).toBe(`127.0.0.1:${relay.port}`);
    expect(await udpSocketsOfPid(p.pid)).toEqual([]);
  }
  // R was never a party to the friendship; it relayed. Nothing was sent off loopback.
  expect(r.events.some((e) => e.event === 'friend_connection' || e.event === 'friend_request')).toBe(false);
  for (const p of [r, a, b]) expect((await p.info()).shim_dropped).toBe(0);

  for (const p of [a, b, r]) expect((await p.close()).code).toBe(0);
}

for (const v of versions) describe.skipIf(!v.available)(`c-toxcore TCP relay ${cTag(v)}`, () => {
  it('two TCP-only peers befriend through a c-toxcore relay and exchange messages both ways, connected over TCP', async () => {
    await relayPair(v.version, v.extra);
  }, 180_000);

  it('with ipv6 the relay listens on ::1 only (the shim rebinds the dual-stack wildcard listen), and --tcp-relay refuses a non-loopback address', async () => {
    const r = await startTcpRelay({ label: 'R6', ipv6: true, ...v.extra });
    expect(r.identity.toxcore).toBe(v.version);
    expect(tcpRelayOf(r).ip).toBe('::1');
    await expectRelayListensOnLoopbackOnly(r, '::1');
    expect((await r.close()).code).toBe(0);

    // cpeer itself refuses a --tcp-relay off loopback (CPeer's options cannot even spell one).
    const build = await buildNative();
    const cpeer = v.extra.toxcorePrefix !== undefined ? await buildCPeerAt(v.extra.toxcorePrefix) : build.cpeer;
    const bad = spawnSync(cpeer, ['--udp-off', '--tcp-relay', `10.0.0.1:33445:${'00'.repeat(32)}`], {
      env: { ...process.env, LD_PRELOAD: build.shim },
      input: '',
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/refusing TCP relay address 10\.0\.0\.1/);
  }, 30_000);

  it('the tcprelay command refuses a non-loopback relay and accepts a loopback one', async () => {
    const r = await startTcpRelay({ label: 'R-cmd', ...v.extra });
    const p = await CPeer.start({ label: 'P', udpOff: true, ...v.extra });
    expect(p.identity.toxcore).toBe(v.version);
    const since = p.mark();
    p.send(`tcprelay 192.0.2.1 ${tcpRelayOf(r).port} ${tcpRelayOf(r).pk}`);
    expect(await p.waitForEvent('error', undefined, 10_000, since)).toMatchObject({ what: 'tcprelay' });
    await p.addTcpRelay(tcpRelayOf(r));
    expect(p.events.slice(since).filter((e) => e.event === 'tcp_relay_added')).toHaveLength(1);
    expect((await p.info()).shim_dropped).toBe(0);
    for (const x of [p, r]) expect((await x.close()).code).toBe(0);
  }, 30_000);
});
