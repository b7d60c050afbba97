/**
 * Seed corpus for the fuzzer: real packets, and the keys that open them.
 *
 *   - c-toxcore's: every datagram of the golden capture (test/fixtures/captures/, two c-toxcore
 *     0.2.18 peers on loopback, read with protocol/pcap.ts), with the two peers' long-term keys
 *     from their savedata (the only keys c-toxcore saves; DHT, session and cookie keys are lost).
 *   - toxstate's own: every datagram sent in a seeded demo run on the simulated network (four
 *     DHT nodes, Alice and Bob befriended and Established, messages both ways, a name change,
 *     Carol's friend request to Alice), plus the few kinds toxstate never sends (ping request and
 *     response, LAN discovery, a NAT ping) sealed here with the same engines' keys. Every engine
 *     is known, so each datagram comes with its receiver's complete key view: DHT and real key
 *     pairs, onion data key, cookie key, relay return key, net_crypto session keys.
 *   - payloads: the plaintexts inside (messenger payloads, request packets, DHT-PK data, onion
 *     data payloads, packed node lists, Tox IDs, savedata files, friend records) for the
 *     payload-level decoders.
 *
 * The demo network is returned live: the engine fuzz target keeps running it (Alice–Bob stays
 * Established while fuzz is injected into Alice).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex, type Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import { encodeNatPing, sealDhtRequest, sealPingRequest, sealPingResponse, DHT_REQUEST_ID } from '../../protocol/dht/index.js';
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';
import { decodeCryptoDataHeader, openCryptoData, recoverNonce } from '../../protocol/net-crypto/index.js';
import { parseSavedata, serializeSavedata } from '../../protocol/profile/index.js';
import { formatToxId } from '../../protocol/tox-id.js';
import { parseCapture, udpFromFrame } from '../../protocol/pcap.js';
import type { Engine } from '../../runtime/engine.js';
import type { KeyPair } from '../../runtime/keys.js';
import { profileOf, newProfile } from '../../runtime/profile-bridge.js';
import { seededRandom } from '../../runtime/random.js';
import { createDemoNetwork, demoIdentity, type DemoNetwork } from '../../runtime/scenarios/demo-network.js';
import { Engine as EngineClass } from '../../runtime/engine.js';
import type { SimNode } from '../../runtime/adapters/sim-network.js';

const CAPTURES = join(import.meta.dirname, '../../test/fixtures/captures');

/** A net_crypto session as its receiver holds it. */
export interface SessionKeys {
  readonly sessionKey: Bytes;
  readonly recvNonce: Bytes;
}

/** Everything a receiving node holds that opens packets addressed to it. */
export interface KeyView {
  readonly label: string;
  readonly dht: KeyPair;
  readonly real: KeyPair;
  /** The onion client's data key (opens 0x86 outer layers). */
  readonly onionData: KeyPair | null;
  /** net_crypto cookie key (opens cookies in handshakes). */
  readonly cookieKey: Bytes | null;
  /** Onion relay return-path key (opens return blobs). */
  readonly relayKey: Bytes | null;
  readonly sessions: readonly SessionKeys[];
  /** DHT keys of the other nodes (announce responses are opened with each). */
  readonly peerDhtPks: readonly Bytes[];
  /** Long-term keys of friends (handshake, onion data inner layer, DHT-PK route). */
  readonly friendRealPks: readonly Bytes[];
}

export interface SeedDatagram {
  readonly source: 'c-toxcore' | 'toxstate' | 'synthetic';
  readonly data: Bytes;
  readonly from?: IpPort;
  readonly to?: IpPort;
  /** The receiver's keys, when known. */
  readonly keys: KeyView | null;
}

export interface Corpus {
  readonly datagrams: readonly SeedDatagram[];
  /** Seeds grouped by first byte (the mutators pick same-kind partners for splices). */
  readonly byId: ReadonlyMap<number, readonly SeedDatagram[]>;
  /** Plaintexts for the payload decoders, by kind. */
  readonly payloads: ReadonlyMap<PayloadKind, readonly Bytes[]>;
  /** Profiles for the keyed dissector (the golden capture's peers). */
  readonly profiles: ReadonlyArray<{ label: string; publicKey: Bytes; secretKey: Bytes; friendPks: Bytes[] }>;
  /** Golden capture datagrams with addresses, for batch dissection. */
  readonly golden: ReadonlyArray<{ payload: Bytes; src: IpPort; dst: IpPort }>;
  readonly demo: DemoNetwork;
  readonly counts: { readonly golden: number; readonly toxstate: number; readonly synthetic: number };
}

export type PayloadKind = 'messenger' | 'request' | 'dhtPkData' | 'onionDataPayload' | 'packedNodes' | 'toxId' | 'savedata' | 'natPing' | 'onionIpPort';

/** Private fields of the layers a key view needs (read once, for the fuzzer only). */
function secretsOf(e: Engine): { cookieKey: Bytes; relayKey: Bytes } {
  const nc = e.netCrypto as unknown as { cookieKey: Bytes };
  const relay = e.relay as unknown as { key: Bytes };
  return { cookieKey: nc.cookieKey, relayKey: relay.key };
}

function keyViewOf(label: string, e: Engine, peers: readonly Engine[]): KeyView {
  const sessions: SessionKeys[] = [];
  for (const f of e.friends.all()) {
    const c = e.netCrypto.connection(f.pkHex);
    if (c?.sessionKey && c.recvNonce) sessions.push({ sessionKey: c.sessionKey, recvNonce: c.recvNonce });
  }
  const { cookieKey, relayKey } = secretsOf(e);
  return {
    label,
    dht: e.keys.dht,
    real: e.keys.real,
    onionData: e.onion.dataKey,
    cookieKey,
    relayKey,
    sessions,
    peerDhtPks: peers.filter((p) => p !== e).map((p) => p.keys.dht.publicKey),
    friendRealPks: [...e.friends.all()].map((f) => f.pk),
  };
}

/** The golden capture's datagrams and its two peers' long-term keys. */
function golden(crypto: Crypto): { datagrams: SeedDatagram[]; profiles: Corpus['profiles']; raw: Corpus['golden']; saves: Bytes[] } {
  const cap = parseCapture(new Uint8Array(readFileSync(join(CAPTURES, 'ctoxcore-0.2.18-loopback.pcap'))));
  if (!cap.ok) throw new Error(`golden capture: ${cap.error}`);
  const saves = ['alice', 'bob'].map((n) => new Uint8Array(readFileSync(join(CAPTURES, `ctoxcore-0.2.18-${n}.tox`))));
  const profiles = saves.map((bytes, i) => {
    const p = parseSavedata(crypto, bytes);
    if (!p.ok) throw new Error(`golden savedata: ${p.error}`);
    return { label: i === 0 ? 'alice' : 'bob', publicKey: p.value.keys.publicKey, secretKey: p.value.keys.secretKey, friendPks: p.value.friends.map((f) => f.publicKey) };
  });
  // c-toxcore peers: Alice on :33445, Bob on :33446 (capture README). Only real keys are known.
  const viewFor = (port: number): KeyView | null => {
    const p = profiles[port === 33445 ? 0 : port === 33446 ? 1 : -1];
    if (!p) return null;
    const random = seededRandom(port);
    return {
      label: `c-toxcore ${p.label}`,
      // The DHT key pair died with the process: a stand-in, so DHT opens take their error path.
      dht: { secretKey: random.bytes(32), publicKey: random.bytes(32) },
      real: { publicKey: p.publicKey, secretKey: p.secretKey },
      onionData: null,
      cookieKey: null,
      relayKey: null,
      sessions: [],
      peerDhtPks: [],
      friendRealPks: p.friendPks,
    };
  };
  const datagrams: SeedDatagram[] = [];
  const raw: Array<{ payload: Bytes; src: IpPort; dst: IpPort }> = [];
  for (const r of cap.value.records) {
    const u = udpFromFrame(r.linktype, r.data);
    if (!u.ok) continue;
    raw.push({ payload: u.value.payload, src: u.value.src, dst: u.value.dst });
    datagrams.push({ source: 'c-toxcore', data: u.value.payload, from: u.value.src, to: u.value.dst, keys: viewFor(u.value.dst.port) });
  }
  return { datagrams, profiles, raw, saves };
}

/** Runs the demo network to Alice–Bob Established and a little beyond, recording every datagram sent. */
function toxstateRun(crypto: Crypto, seed: number): { demo: DemoNetwork; sent: Array<{ fromNode: SimNode; to: IpPort; data: Bytes }>; carol: SimNode } {
  const demo = createDemoNetwork({ crypto, seed });
  const { sim, alice, bob } = demo;
  const sent: Array<{ fromNode: SimNode; to: IpPort; data: Bytes }> = [];
  const restore: Array<() => void> = [];
  const record = (node: SimNode): void => {
    const e = node.engine;
    const orig = e.send.bind(e);
    e.send = (to, data) => {
      sent.push({ fromNode: node, to, data });
      orig(to, data);
    };
    // The recording stops with the capture (the network keeps running for the engine target).
    restore.push(() => delete (e as { send?: unknown }).send);
  };
  // Carol: a stranger who sends Alice a friend request (onion data 32).
  const cid = demoIdentity(crypto, 'Carol', seed * 100 + 102);
  const carolEngine = new EngineClass({ crypto, random: cid.random, identity: cid.keys, nospam: cid.nospam, name: 'Carol' });
  const carol = sim.add(carolEngine);
  const first = demo.nodes[0]!.node;
  carolEngine.bootstrap(sim.now, first.address, first.engine.keys.dht.publicKey);
  for (const d of demo.nodes) record(d.node);
  record(carol);
  const aliceId = formatToxId(alice.node.engine.keys.real.publicKey, alice.node.engine.nospam);
  carolEngine.sendFriendRequest(sim.now, aliceId, 'Hello Alice, it is Carol');
  sim.flush();
  const established = (): boolean =>
    alice.node.engine.progressOf(bob.node.engine.selfHex) === 'Established' && bob.node.engine.progressOf(alice.node.engine.selfHex) === 'Established';
  if (!sim.runUntilTrue(established, 120_000)) throw new Error('fuzz corpus: the demo network did not reach Established');
  sim.runFor(2_000);
  alice.node.engine.sendMessage(sim.now, bob.node.engine.selfHex, 'Hi Bob!');
  bob.node.engine.sendMessage(sim.now, alice.node.engine.selfHex, 'Hi Alice! '.repeat(40), 'action');
  alice.node.engine.setName(sim.now, 'Alice (renamed)');
  sim.flush();
  sim.runUntilTrue(() => alice.node.events.some((e) => e.type === 'friend_request'), 30_000);
  sim.runFor(20_000);
  for (const r of restore) r();
  return { demo, sent, carol };
}

/**
 * Builds the corpus. `seed` fixes the demo run (the same seed gives the same packets and keys).
 */
export function buildCorpus(crypto: Crypto, seed = 2026): Corpus {
  const g = golden(crypto);
  const { demo, sent, carol } = toxstateRun(crypto, seed);
  const nodes = [...demo.nodes.map((d) => d.node), carol];
  const engines = nodes.map((n) => n.engine);
  const byAddr = new Map<string, SimNode>(nodes.map((n) => [ipPortKey(n.address), n]));
  const views = new Map<SimNode, KeyView>();
  const viewOf = (n: SimNode): KeyView => {
    let v = views.get(n);
    if (!v) {
      v = keyViewOf(demo.nodes.find((d) => d.node === n)?.name ?? 'Carol', n.engine, engines);
      views.set(n, v);
    }
    return v;
  };
  const datagrams: SeedDatagram[] = [...g.datagrams];
  for (const s of sent) {
    const to = byAddr.get(ipPortKey(s.to));
    datagrams.push({ source: 'toxstate', data: s.data, from: s.fromNode.address, to: s.to, keys: to ? viewOf(to) : null });
  }
  const toxstateCount = sent.length;

  // Kinds toxstate never sends, sealed with the demo engines' keys.
  const { alice, bob } = demo;
  const A = alice.node.engine;
  const B = bob.node.engine;
  const r = seededRandom(seed + 1);
  const synthetic: SeedDatagram[] = [];
  const ab = crypto.precompute(B.keys.dht.publicKey, A.keys.dht.secretKey);
  synthetic.push({ source: 'synthetic', data: sealPingRequest(crypto, ab, A.keys.dht.publicKey, r.bytes(24), { pingId: r.bytes(8) }), from: alice.node.address, to: bob.node.address, keys: viewOf(bob.node) });
  synthetic.push({ source: 'synthetic', data: sealPingResponse(crypto, ab, A.keys.dht.publicKey, r.bytes(24), { pingId: r.bytes(8) }), from: alice.node.address, to: bob.node.address, keys: viewOf(bob.node) });
  synthetic.push({ source: 'synthetic', data: Uint8Array.from([0x21, ...A.keys.dht.publicKey]), from: alice.node.address, to: bob.node.address, keys: viewOf(bob.node) });
  const nat = encodeNatPing({ type: 'request', pingId: r.bytes(8) });
  synthetic.push({
    source: 'synthetic',
    data: sealDhtRequest(crypto, ab, B.keys.dht.publicKey, A.keys.dht.publicKey, r.bytes(24), { requestId: DHT_REQUEST_ID.nat_ping, data: nat }),
    from: alice.node.address,
    to: bob.node.address,
    keys: viewOf(bob.node),
  });
  datagrams.push(...synthetic);

  const byId = new Map<number, SeedDatagram[]>();
  for (const d of datagrams) {
    if (d.data.length === 0) continue;
    const list = byId.get(d.data[0]!) ?? [];
    list.push(d);
    byId.set(d.data[0]!, list);
  }

  // Payloads: crypto data opened with the receivers' session keys, and the other plaintexts.
  const payloads = new Map<PayloadKind, Bytes[]>();
  const add = (k: PayloadKind, b: Bytes): void => {
    const list = payloads.get(k) ?? [];
    if (list.length < 200) list.push(b);
    payloads.set(k, list);
  };
  for (const d of datagrams) {
    if (d.source !== 'toxstate' || d.data[0] !== 0x1b || !d.keys) continue;
    const h = decodeCryptoDataHeader(d.data);
    if (!h.ok) continue;
    for (const s of d.keys.sessions) {
      // The session's receive nonce has moved on since; walk back over the low 16 bits.
      const { nonce } = recoverNonce(s.recvNonce, h.value.nonceLow16);
      const o = openCryptoData(crypto, s.sessionKey, nonce, d.data);
      if (o.ok) {
        add(o.value.payload[0] === 1 ? 'request' : 'messenger', o.value.payload);
        break;
      }
    }
  }
  add('natPing', nat);
  add('toxId', new Uint8Array([...A.keys.real.publicKey, ...A.nospam, 0, 0]));
  add('toxId', fromHexOrThrow(formatToxId(A.keys.real.publicKey, A.nospam)));
  for (const s of g.saves) add('savedata', s);
  add('savedata', serializeSavedata(profileOf(A, newProfile(crypto, seededRandom(seed + 2)))));
  add('onionIpPort', new Uint8Array([2, 127, 0, 0, 1, ...new Uint8Array(12), 0x82, 0xa5]));
  for (const n of [A, B]) {
    const nodesList = n.dht.closest(n.keys.dht.publicKey, 4).map((x) => ({ transport: 'udp' as const, ipPort: x.ipPort, publicKey: x.pk }));
    const packed: number[] = [];
    for (const x of nodesList) packed.push(2, ...x.ipPort.ip.split('.').map(Number), x.ipPort.port >> 8, x.ipPort.port & 255, ...x.publicKey);
    add('packedNodes', Uint8Array.from(packed));
    add('dhtPkData', Uint8Array.from([0, 0, 0, 0, 0x65, 0x5f, 0, 1, ...n.keys.dht.publicKey, ...packed]));
    add('onionDataPayload', Uint8Array.from([0x9c, 0, 0, 0, 0, 0x65, 0x5f, 0, 1, ...n.keys.dht.publicKey, ...packed]));
  }
  add('onionDataPayload', Uint8Array.from([0x20, ...A.nospam, ...new TextEncoder().encode('Hello Alice, it is Carol')]));

  return {
    datagrams,
    byId,
    payloads,
    profiles: g.profiles,
    golden: g.raw,
    demo,
    counts: { golden: g.datagrams.length, toxstate: toxstateCount, synthetic: synthetic.length },
  };
}

function fromHexOrThrow(hex: string): Bytes {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export { toHex };
