/**
 * The onion layers against c-toxcore on loopback (harness/interop/cpeer.ts), once with Debian's
 * 0.2.18 and once with 0.2.23 (harness/interop/c-versions.ts; the test names say which), toxstate
 * on a real UDP socket (runtime/adapters/node-udp.ts, 127.0.0.1 only):
 *   - a c-toxcore peer bootstrapped to a toxstate node announces through it: toxstate is its
 *     relay A, B and C and its announce node D, and c-toxcore reports itself onion-connected;
 *   - a toxstate node's self-announce is stored at the c-toxcore node (is_stored 2 from it);
 *   - friend requests cross over the onion both ways;
 *   - toxstate's DHT-PK over the onion makes c-toxcore start the handshake; with that turned
 *     off, c-toxcore's DHT-PK (onion data 156) reaches toxstate's session.
 * Skipped, with `SKIPPED: c-toxcore interop: <reason>` printed, when c-toxcore is unavailable
 * (a missing 0.2.23 fails under TOXSTATE_REQUIRE_0223=1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../protocol/bytes.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { formatToxId } from '../../protocol/tox-id.js';
import type { AppEvent } from '../../runtime/app-events.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import { Engine } from '../../runtime/engine.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { secureRandom } from '../../runtime/random.js';
import { closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { cTag, cVersions } from '../../harness/interop/c-versions.js';

const versions = await cVersions();

/** c-toxcore starts announcing 3 s after start and confirms "onion connected" 3 s later (§10.2). */
const WAIT_MS = 40_000;

const nodes: UdpNode<Engine>[] = [];
afterAll(async () => {
  await closeAllPeers();
  for (const n of nodes) await n.close();
});

async function toxstateNode(): Promise<{ node: UdpNode<Engine>; events: AppEvent[] }> {
  const crypto = await loadCrypto();
  const random = secureRandom();
  const engine = new Engine({ crypto, random, identity: generateKeyPair(crypto, random), nospam: random.bytes(4), name: 'toxstate' });
  const node = await UdpNode.start(engine, { bind: '127.0.0.1', port: 0 });
  nodes.push(node);
  const events: AppEvent[] = [];
  node.onEvent((e) => events.push(e));
  return { node, events };
}

function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pred()) return resolve();
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(check, 50);
    };
    check();
  });
}

for (const v of versions) describe.skipIf(!v.available)(`onion interop with c-toxcore ${cTag(v)}`, () => {
  it('a c-toxcore peer announces through a toxstate node (relay A, B, C and announce node D), and toxstate is stored at the c-toxcore node', async () => {
    const { node } = await toxstateNode();
    const t = node.engine;
    const peer = await CPeer.start({ label: 'announcer', bootstrap: [{ port: node.address.port, dhtpk: t.keys.dhtPkHex }], ...v.extra });
    expect(peer.identity.toxcore).toBe(v.version);
    const peerPk = peer.identity.pk.toLowerCase();
    const peerDht = peer.identity.dhtpk.toLowerCase();

    await until(() => t.announceServer.entry(peerPk) !== undefined, WAIT_MS, 'the c-toxcore peer stored at toxstate');
    for (const hop of [0, 1, 2]) expect(t.counters.get(`onion.relayed_request_${hop}`)).toBeGreaterThan(0);
    expect(t.counters.get('announce.answered_2')).toBeGreaterThan(0);
    // c-toxcore took our 0x84 answers: it reports itself connected (TCP on loopback, §3.8).
    await peer.waitForEvent('self_connection', (e) => e.status !== 'none', WAIT_MS);

    await until(() => t.onion.selfNodes().some((n) => n.pkHex === peerDht && n.isStored === 2), WAIT_MS, 'toxstate stored at the c-toxcore node');
    expect(t.counters.sum('drop.onion')).toBe(0);
    expect(t.counters.sum('drop.announce')).toBe(0);
    expect(t.counters.get('error.handler')).toBe(0);
  });

  it('friend requests cross the onion both ways between toxstate and c-toxcore', async () => {
    const { node, events } = await toxstateNode();
    const t = node.engine;
    const peer = await CPeer.start({ label: 'requester', bootstrap: [{ port: node.address.port, dhtpk: t.keys.dhtPkHex }], ...v.extra });

    // c-toxcore → toxstate: onion data 32 through toxstate's own announce entry.
    peer.send(`add ${formatToxId(t.keys.real.publicKey, t.nospam)} hello from c-toxcore`);
    await until(() => events.some((e) => e.type === 'friend_request'), WAIT_MS, 'the friend request at toxstate');
    const req = events.find((e) => e.type === 'friend_request');
    expect(req).toMatchObject({ pk: peer.identity.pk.toLowerCase(), message: 'hello from c-toxcore' });

    // toxstate → c-toxcore.
    const other = await toxstateNode();
    other.node.run((e, now) => e.bootstrap(now, node.address, t.keys.dht.publicKey));
    other.node.run((e, now) => e.sendFriendRequest(now, peer.identity.toxid, 'hello from toxstate'));
    const got = await peer.waitForEvent('friend_request', (e) => e.message === 'hello from toxstate', WAIT_MS);
    expect(got.pk.toLowerCase()).toBe(other.node.engine.selfHex);
  });

  /** Mutual friends: toxstate adds the peer, the peer adds toxstate without a request. */
  async function friends(label: string): Promise<{ t: Engine; peer: CPeer; peerPk: string }> {
    const { node } = await toxstateNode();
    const t = node.engine;
    const peer = await CPeer.start({ label, bootstrap: [{ port: node.address.port, dhtpk: t.keys.dhtPkHex }], ...v.extra });
    const peerPk = peer.identity.pk.toLowerCase();
    const pk = fromHex(peerPk);
    if (!pk.ok) throw new Error(pk.error);
    node.run((e, now) => e.addFriend(now, pk.value));
    return { t, peer, peerPk };
  }

  const sessionSaw = (t: Engine, peerPk: string, type: string, pred: (e: Record<string, unknown>, from: unknown) => boolean = () => true): boolean =>
    t.journal.since(0).some((j) => j.actor === `session:${peerPk}` && j.event.type === type && pred(j.event, j.from));

  it("toxstate's DHT-PK over the onion makes c-toxcore connect to it", async () => {
    const { t, peer, peerPk } = await friends('finds-toxstate');
    await peer.request(`addnr ${t.selfHex}`, 'friend_added');
    await peer.waitForEvent('friend_connection', (e) => e.status === 'udp', WAIT_MS);
    expect(t.counters.get('onion.dhtpk_sent')).toBeGreaterThan(0);
    // c-toxcore's handshake arrived while toxstate did not know its DHT key: it came from ours.
    expect(sessionSaw(t, peerPk, 'packet.handshake', (_e, from) => from === 'AwaitingDHTKey')).toBe(true);
  });

  it("c-toxcore's DHT-PK reaches a toxstate friend's session over the onion", async () => {
    const { t, peer, peerPk } = await friends('sends-dhtpk');
    // Keep toxstate's own DHT key to itself, so that c-toxcore has to send its DHT-PK first.
    t.onion.sendDhtPk = () => 0;
    t.onion.sendDhtPkRoute = () => 0;
    await peer.request(`addnr ${t.selfHex}`, 'friend_added');
    const dht = peer.identity.dhtpk.toLowerCase();
    await until(() => sessionSaw(t, peerPk, 'dhtKey.learned', (e) => e['source'] === 'onion' && e['dhtKey'] === dht), WAIT_MS, "c-toxcore's DHT-PK at toxstate");
    expect(t.counters.get('onion.dhtpk_received')).toBeGreaterThan(0);
    expect(t.counters.get('error.handler')).toBe(0);
  });
});
