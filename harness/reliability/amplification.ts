/**
 * Amplification: every unauthenticated request one engine answers (or forwards), measured on the
 * wire. Each request is delivered to Alice (Established with Bob on the simulated demo network,
 * 5 good DHT nodes known) from a stranger's address; what she sends in reply is captured, with
 * where it goes: back to the source (what a spoofed source could turn against a victim), or on
 * to an address the packet names (onion relaying, DHT routing), or nowhere.
 *
 * Used by test/reliability/amplification.test.ts (asserts) and scripts/fuzz.ts (the table in
 * docs/reliability.md).
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';
import { DHT_UNVERIFIED_FULL_ANSWERS_BURST } from '../../runtime/dht/dht.js';
import { ANNOUNCE_FULL_ANSWERS_BURST, ANNOUNCE_FULL_ANSWERS_PER_S } from '../../runtime/onion/announce-server.js';
import type { Engine } from '../../runtime/engine.js';
import { seededRandom } from '../../runtime/random.js';
import { Attacker, establishedDemo, randomAddress } from './lib.js';

export interface AmplificationRow {
  readonly request: string;
  readonly requestBytes: number;
  /** What came back to the source ("—" when nothing did). */
  readonly response: string;
  readonly responseBytes: number;
  /** responseBytes / requestBytes for answers to the source; 0 when nothing goes back. */
  readonly ratio: number;
  /** Packets sent elsewhere (relayed or routed), with their sizes. */
  readonly forwarded: string;
  readonly bound: string;
}

interface Capture {
  toSource: Bytes[];
  elsewhere: Array<{ to: IpPort; data: Bytes }>;
}

function deliver(e: Engine, from: IpPort, data: Bytes): Capture {
  e.takeTransmits();
  e.handleDatagram(e.now, from, data);
  const out: Capture = { toSource: [], elsewhere: [] };
  for (const t of e.takeTransmits()) {
    if (ipPortKey(t.to) === ipPortKey(from)) out.toSource.push(t.data);
    else out.elsewhere.push(t);
  }
  return out;
}

const NAMES: Record<number, string> = {
  0x01: 'ping response',
  0x02: 'nodes request (ours, back)',
  0x04: 'nodes response',
  0x19: 'cookie response',
  0x1a: 'handshake',
  0x81: 'onion request 1',
  0x82: 'onion request 2',
  0x83: 'announce request',
  0x8c: 'onion response 3',
  0x8d: 'onion response 2',
  0x8e: 'onion response 1',
  0x20: 'DHT request',
};

function describe(list: readonly Bytes[]): string {
  return list.length === 0 ? '—' : list.map((d) => `${NAMES[d[0]!] ?? `0x${d[0]!.toString(16)}`} ${d.length}`).join(' + ');
}

/** Measures every pair. Deterministic (seeded). */
export function measureAmplification(crypto: Crypto): AmplificationRow[] {
  const demo = establishedDemo(crypto);
  const alice = demo.alice.node;
  const A = alice.engine;
  const r = seededRandom(77);
  const rows: AmplificationRow[] = [];
  const row = (request: string, data: Bytes, c: Capture, bound: string, from?: IpPort): void => {
    const bytes = c.toSource.reduce((n, d) => n + d.length, 0);
    rows.push({
      request,
      requestBytes: data.length,
      response: describe(c.toSource),
      responseBytes: bytes,
      ratio: Math.round((bytes / data.length) * 100) / 100,
      forwarded: c.elsewhere.length === 0 ? '—' : c.elsewhere.map((t) => `${NAMES[t.data[0]!] ?? `0x${t.data[0]!.toString(16)}`} ${t.data.length}`).join(' + '),
      bound,
    });
    void from;
  };
  let seed = 5000;
  const fresh = (): Attacker => new Attacker(crypto, A, seed++);
  const src = (): IpPort => randomAddress(r);

  // DHT: ping, nodes (budget of full answers left, then spent).
  {
    const a = fresh();
    const p = a.pingRequest();
    row('ping request', p, deliver(A, src(), p), 'answer 82 = 82; an unknown key is also asked back once (our nodes request, 113 B): ≤ 32 per 2 s for the whole node (DHT_ASK_BACK_BURST, as ping.c MAX_TO_PING)');
  }
  {
    const a = fresh();
    const p = a.nodesRequest();
    row('nodes request, unverified source (budget left)', p, deliver(A, src(), p), `4 nodes (238 B; 286 B with IPv6 nodes) while the node-wide budget lasts: DHT_UNVERIFIED_FULL_ANSWERS_PER_S = 32/s, burst ${DHT_UNVERIFIED_FULL_ANSWERS_BURST}; plus the budgeted request back`);
  }
  {
    // Spend the budget (and the ask-back budget) with requests from one more attacker.
    const a = fresh();
    for (let i = 0; i < DHT_UNVERIFIED_FULL_ANSWERS_BURST + 8; i++) deliver(A, src(), a.nodesRequest());
    const p = a.nodesRequest();
    row('nodes request, unverified source (budget spent)', p, deliver(A, src(), p), '1 node: the least c-toxcore accepts (it ignores empty answers)');
  }
  // net_crypto.
  {
    const a = fresh();
    const p = a.cookieRequest();
    row('cookie request from a stranger', p, deliver(A, src(), p), 'not answered: only friends can use a cookie');
  }
  {
    const a = fresh();
    const p = a.cookieRequest(demo.bob.node.engine.keys.real.publicKey);
    row('cookie request naming a friend', p, deliver(A, src(), p), '+16 B fixed by the protocol; burst 10 then 10/s per source (cookie guard, 4096 sources)');
  }
  {
    const p = r.bytes(385);
    p[0] = 0x1a;
    row('handshake (no valid cookie)', p, deliver(A, src(), p), 'dropped');
  }
  {
    const p = r.bytes(200);
    p[0] = 0x1b;
    row('crypto data from an unknown address', p, deliver(A, src(), p), 'dropped');
  }
  {
    const p = r.bytes(161);
    p[0] = 0x19;
    row('cookie response from an unknown address', p, deliver(A, src(), p), 'dropped');
  }
  // Onion serving.
  {
    const a = fresh();
    const p = a.announceRequest();
    row('announce request 0x83, no valid ping_id (budget left)', p, deliver(A, src(), p), `4 nodes (416 B; 464 B with IPv6 nodes) while the node-wide budget lasts: ANNOUNCE_FULL_ANSWERS_PER_S = ${ANNOUNCE_FULL_ANSWERS_PER_S}/s, burst ${ANNOUNCE_FULL_ANSWERS_BURST}; a valid ping_id (a verified source) always gets 4`);
  }
  {
    const a = fresh();
    for (let i = 0; i < ANNOUNCE_FULL_ANSWERS_BURST + 8; i++) deliver(A, src(), a.announceRequest());
    const p = a.announceRequest();
    row('announce request 0x83, no valid ping_id (budget spent)', p, deliver(A, src(), p), 'only the nodes that keep the answer within the request (2 IPv4 nodes)');
  }
  {
    const a = fresh();
    const next = src();
    const p = a.onionRequest(next);
    row('onion request 0x80 (valid layer)', p, deliver(A, src(), p), 'relayed to the next hop the packet names, 8 B smaller; nothing back');
  }
  {
    const p = r.bytes(218 + 177 + 30);
    p[0] = 0x81;
    row('onion request 0x81 (layer not ours)', p, deliver(A, src(), p), 'dropped');
  }
  {
    const a = fresh();
    const p = a.forgedOnionResponse(3);
    row('onion response 0x8c (return blob not ours)', p, deliver(A, src(), p), 'dropped; a valid blob is relayed 59 B smaller');
  }
  {
    const p = r.bytes(400);
    p[0] = 0x85;
    row('onion data request 0x85 (no stored entry)', p, deliver(A, src(), p), 'dropped; with an entry it goes to the announcer as 0x8c, 31 B smaller');
  }
  {
    const a = fresh();
    const p = a.dhtPkRoute(a.real, { noReplay: 1n, dhtPk: a.dht.publicKey, nodes: [] });
    // Addressed to another node: routed only to a node of our close list, never back.
    const other = demo.nodes[0]!.node.engine.keys.dht.publicKey;
    const routed = p.slice();
    routed.set(other, 1);
    row('DHT request 0x20 for a close-list node', routed, deliver(A, src(), routed), 'forwarded unchanged to that node only (DHT.c route_packet)');
    row('DHT request 0x20 DHT-PK from a stranger', p, deliver(A, src(), p), 'dropped (not a friend)');
  }
  {
    const p = new Uint8Array(33);
    p[0] = 0x21;
    p.set(r.bytes(32), 1);
    row('LAN discovery 0x21', p, deliver(A, src(), p), 'ignored (toxstate never answers it)');
  }
  return rows;
}
