/**
 * The DHT serving load generator (bench/dht-serve-load.ts) counts only valid answers: against an
 * in-process toxstate node every nodes request and ping is answered and counted; aimed at the
 * wrong server key nothing is (the node cannot open the requests, and counts them dropped); and
 * a lying server — right key, but a changed ping id, the wrong kind of answer, or every answer
 * twice — gets its false answers counted invalid, never answered. Real sockets on 127.0.0.1;
 * small, slow steps (a few dozen requests), nothing timed.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bytes } from '../../protocol/bytes.js';
import {
  decodeDhtHeader,
  openNodesRequest,
  openPingRequest,
  sealNodesResponse,
  sealPingResponse,
} from '../../protocol/dht/index.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { runDhtLoad } from '../../bench/dht-serve-load.js';
import { makeEngine } from '../runtime/helpers.js';

const nodes: UdpNode[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all(nodes.map((n) => n.close({ sendKills: false })));
});

/** 20 keys, one step of 60 requests (30 nodes requests, 30 pings) at 200 a second. */
const SMALL = { keys: 20, rates: [200], stepMs: 300 } as const;

type Lie = 'pingId' | 'kind' | 'twice';

/** A server with its own DHT key that answers every request, lying as `lie` says. */
async function lyingServer(lie: Lie): Promise<{ port: number; pk: Bytes }> {
  const crypto = await loadCrypto();
  const random = seededRandom(4102);
  const keys = generateKeyPair(crypto, random);
  const sock = createSocket('udp4');
  sockets.push(sock);
  sock.on('message', (msg, from) => {
    const data = new Uint8Array(msg);
    const h = decodeDhtHeader(data);
    if (!h.ok) return;
    const shared = crypto.precompute(h.value.senderPk, keys.secretKey);
    const nonce = random.bytes(24);
    const req = data[0] === PACKET_ID.ping_request ? openPingRequest(crypto, shared, h.value) : openNodesRequest(crypto, shared, h.value);
    if (!req.ok) return;
    const pingId = new Uint8Array(req.value.pingId);
    if (lie === 'pingId') pingId[0]! ^= 1;
    // The wrong kind: a ping answered with a nodes response and a nodes request with a ping response.
    const asPing = lie === 'kind' ? data[0] !== PACKET_ID.ping_request : data[0] === PACKET_ID.ping_request;
    const out = asPing
      ? sealPingResponse(crypto, shared, keys.publicKey, nonce, { pingId })
      : sealNodesResponse(crypto, shared, keys.publicKey, nonce, { nodes: [], pingId });
    sock.send(out, from.port, from.address);
    if (lie === 'twice') sock.send(out, from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, pk: keys.publicKey };
}

describe('DHT serving load generator', () => {
  it('counts every answer of a toxstate node, and reads its CPU time', async () => {
    const crypto = await loadCrypto();
    const node = await UdpNode.start(await makeEngine(4101), { bind: '127.0.0.1', port: 0 });
    nodes.push(node);
    // Hostile bytes first: each is counted and dropped, and the node serves on.
    const random = seededRandom(4106);
    const garbage = random.bytes(113);
    garbage[0] = PACKET_ID.nodes_request;
    garbage[32] = 0x80; // the sender key's top bit: not a DHT key
    const short = random.bytes(60);
    short[0] = PACKET_ID.nodes_request;
    const sock = createSocket('udp4');
    sockets.push(sock);
    for (const d of [garbage, short]) await new Promise<void>((done) => sock.send(d, node.address.port, '127.0.0.1', () => done()));
    const r = await runDhtLoad({ crypto, port: node.address.port, serverPk: node.engine.keys.dht.publicKey, serverPid: process.pid, ...SMALL });
    expect(r.steps).toHaveLength(1);
    const [s] = r.steps;
    expect(s!.sent).toBe(60);
    expect(s!.answered).toBe(60);
    expect(r.invalid).toBe(0);
    expect(s!.serverCpuMs).not.toBeNull();
    // The node asks unknown askers back (runtime/dht/packets.ts heardFrom); the generator answers.
    expect(r.serverRequests).toBeGreaterThan(0);
    // Answered up to the generator's budget of 1,000 a second (the node's asks fan out as it learns
    // the clients' neighbours, so on a slow machine there can be more than one window's worth).
    expect(r.serverRequestsAnswered).toBeGreaterThanOrEqual(Math.min(r.serverRequests, 1000));
    expect(r.serverRequestsAnswered).toBeLessThanOrEqual(r.serverRequests);
    expect(node.engine.counters.get('drop.dht.nodes_request_invalid') ?? 0).toBe(0);
    expect(node.engine.counters.get('drop.dht.invalid_public_key')).toBe(1);
    expect(node.engine.counters.get('drop.dht.malformed')).toBe(1);
    expect(node.engine.counters.get('error.input') ?? 0).toBe(0);
  });

  it('aimed at the wrong key: nothing is answered, the run stops at the first step', async () => {
    const crypto = await loadCrypto();
    const node = await UdpNode.start(await makeEngine(4103), { bind: '127.0.0.1', port: 0 });
    nodes.push(node);
    const wrong = generateKeyPair(crypto, seededRandom(4104)).publicKey;
    const r = await runDhtLoad({ crypto, port: node.address.port, serverPk: wrong, ...SMALL, rates: [200, 400] });
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]!.answered).toBe(0);
    expect(r.stoppedBy).toBe('answers');
    expect(node.engine.counters.get('drop.dht.nodes_request_invalid')).toBe(30);
    expect(node.engine.counters.get('drop.dht.ping_request_invalid')).toBe(30);
  });

  for (const lie of ['pingId', 'kind'] as const) {
    it(`a server that answers with ${lie === 'pingId' ? 'a changed ping id' : 'the wrong kind of answer'}: every answer invalid, none counted`, async () => {
      const crypto = await loadCrypto();
      const server = await lyingServer(lie);
      const r = await runDhtLoad({ crypto, port: server.port, serverPk: server.pk, ...SMALL });
      expect(r.steps[0]!.answered).toBe(0);
      expect(r.invalid).toBe(60);
    });
  }

  it('a server that answers everything twice: each request counted once, each repeat invalid', async () => {
    const crypto = await loadCrypto();
    const server = await lyingServer('twice');
    const r = await runDhtLoad({ crypto, port: server.port, serverPk: server.pk, ...SMALL });
    expect(r.steps[0]!.answered).toBe(60);
    expect(r.invalid).toBe(60);
  });
});
