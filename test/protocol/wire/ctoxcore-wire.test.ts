/**
 * Byte compatibility of the protocol-core codecs with a real c-toxcore on loopback, once with
 * Debian's libtoxcore 0.2.18 and once with 0.2.23 (harness/interop/c-versions.ts; the test names
 * say which), driven from a raw UDP socket:
 *   - DHT: our ping request → its 82-byte ping response; our nodes request →
 *     its nodes response; its own ping / nodes requests to us open with our codecs.
 *   - Onion: a 0x80 built by `sealOnionRequest`, routed A = B = C = D = the
 *     c-toxcore node, carrying our 0x83; its 0x84 comes back through its
 *     0x8c/0x8d/0x8e return path. A second announce with the returned ping_id
 *     is stored (is_stored 2), then a 0x85 sent to ourselves through the same
 *     node comes back as a 0x86 along the stored return path and opens in two
 *     steps.
 *
 * Network rule: the peer runs under the harness's loopback shim with local
 * discovery off; our socket is bound to 127.0.0.1 and only sends there.
 * Skipped (printing the reason) when c-toxcore cannot be built here (a missing 0.2.23 fails under
 * TOXSTATE_REQUIRE_0223=1).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAllPeers, type CPeer, startPeers } from '../../../harness/interop/cpeer.js';
import { cTag, cVersions, type CVersion } from '../../../harness/interop/c-versions.js';
import { concat, hex, toHex, type Bytes } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import { decodeDhtHeader } from '../../../protocol/dht/dht-header.js';
import { openNodesRequest } from '../../../protocol/dht/nodes-request.js';
import { openNodesResponse } from '../../../protocol/dht/nodes-response.js';
import { sealNodesRequest } from '../../../protocol/dht/nodes-request.js';
import { sealNodesResponse } from '../../../protocol/dht/nodes-response.js';
import { openPingRequest, openPingResponse, sealPingRequest, sealPingResponse } from '../../../protocol/dht/ping.js';
import type { IpPort } from '../../../protocol/ip-port.js';
import { sealAnnounceRequest } from '../../../protocol/onion/announce-request.js';
import { decodeAnnounceResponseHeader, openAnnounceResponse, type AnnounceResponse } from '../../../protocol/onion/announce-response.js';
import { encodeFriendRequestPayload, decodeOnionDataPayload } from '../../../protocol/onion/onion-data-payloads.js';
import { sealOnionDataRequest } from '../../../protocol/onion/onion-data-request.js';
import { decodeOnionDataResponse, openOnionDataInner, openOnionDataOuter } from '../../../protocol/onion/onion-data-response.js';
import { sealOnionRequest, type OnionPath } from '../../../protocol/onion/onion-request.js';
import { unwrap } from '../../../protocol/result.js';

const versions = await cVersions();
const WAIT_MS = 5_000;

const crypto = await loadCrypto();
const newPair = (): { pk: Bytes; sk: Bytes } => {
  const sk = new Uint8Array(randomBytes(32));
  return { pk: crypto.publicKeyFromSecret(sk), sk };
};
const rnd = (n: number): Bytes => new Uint8Array(randomBytes(n));

/** A loopback UDP endpoint that queues datagrams from one peer port. */
class Endpoint {
  private queue: Bytes[] = [];
  private waiters: { pred: (b: Bytes) => boolean; resolve: (b: Bytes) => void }[] = [];
  readonly all: Bytes[] = [];
  constructor(
    readonly sock: Socket,
    readonly peerPort: number,
  ) {
    sock.on('message', (msg, rinfo) => {
      if (rinfo.address !== '127.0.0.1' || rinfo.port !== peerPort) return;
      const b = new Uint8Array(msg);
      this.all.push(b);
      const w = this.waiters.findIndex((x) => x.pred(b));
      if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(b);
      else this.queue.push(b);
    });
  }
  static async open(peerPort: number): Promise<Endpoint> {
    const sock = createSocket('udp4');
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
    return new Endpoint(sock, peerPort);
  }
  get ipPort(): IpPort {
    return { family: 'ipv4', ip: '127.0.0.1', port: this.sock.address().port };
  }
  send(b: Bytes): void {
    this.sock.send(b, this.peerPort, '127.0.0.1');
  }
  next(pred: (b: Bytes) => boolean, what: string): Promise<Bytes> {
    const i = this.queue.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (b: Bytes) => (clearTimeout(t), resolve(b)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no ${what} from c-toxcore within ${WAIT_MS} ms (got ids ${this.all.map((b) => b[0]).join(',')})`));
      }, WAIT_MS);
      this.waiters.push(w);
    });
  }
  close(): void {
    this.sock.close();
  }
}

/** The whole suite against one c-toxcore version: one peer, our raw socket talking to it. */
function wireSuite(v: CVersion): void {
  let peer: CPeer;
  let ep: Endpoint;
  let peerDhtPk: Bytes;
  let peerAddr: IpPort;
  const ourDht = newPair();
  let kDht: Bytes; // shared(our DHT sk, its DHT pk), symmetric

  beforeAll(async () => {
    [peer] = (await startPeers(1, () => ({ name: 'wire', ...v.extra }))) as [CPeer];
    if (peer.identity.toxcore !== v.version) throw new Error(`peer runs ${String(peer.identity.toxcore)}, wanted ${v.version}`);
    peerDhtPk = hex(peer.identity.dhtpk);
    peerAddr = { family: 'ipv4', ip: '127.0.0.1', port: peer.identity.port };
    ep = await Endpoint.open(peer.identity.port);
    kDht = crypto.precompute(peerDhtPk, ourDht.sk);
  }, 120_000);

  afterAll(async () => {
    ep?.close();
    await closeAllPeers();
  });

  describe('DHT packets', () => {
    it('answers our 82-byte ping request with an 82-byte ping response echoing the ping_id', async () => {
      const pingId = rnd(8);
      ep.send(sealPingRequest(crypto, kDht, ourDht.pk, rnd(24), { pingId }));
      const resp = await ep.next((b) => b[0] === 0x01, 'ping response');
      expect(resp.length).toBe(82);
      const h = unwrap(decodeDhtHeader(resp));
      expect(toHex(h.senderPk)).toBe(toHex(peerDhtPk));
      expect(toHex(unwrap(openPingResponse(crypto, kDht, h)).pingId)).toBe(toHex(pingId));
    });

    it('answers our 113-byte nodes request with a nodes response that opens and echoes the ping_id', async () => {
      const pingId = rnd(8);
      ep.send(sealNodesRequest(crypto, kDht, ourDht.pk, rnd(24), { searchedPk: peerDhtPk, pingId }));
      const resp = await ep.next((b) => b[0] === 0x04, 'nodes response');
      const r = unwrap(openNodesResponse(crypto, kDht, unwrap(decodeDhtHeader(resp))));
      expect(toHex(r.pingId)).toBe(toHex(pingId));
      expect(resp.length).toBe(82 + r.nodes.length * 39);
    });

    it("its own ping request to us opens with our codec; our response puts us in its DHT, and its nodes requests open too", async () => {
      // Our requests made c-toxcore ping_add us; it pings within TIME_TO_PING (2 s).
      const req = await ep.next((b) => b[0] === 0x00, 'ping request');
      expect(req.length).toBe(82);
      const ping = unwrap(openPingRequest(crypto, kDht, unwrap(decodeDhtHeader(req))));
      ep.send(sealPingResponse(crypto, kDht, ourDht.pk, rnd(24), ping));
      // Now in its close list, it asks us for nodes (bootstrap burst / periodic).
      const nreq = await ep.next((b) => b[0] === 0x02, 'nodes request');
      expect(nreq.length).toBe(113);
      const nr = unwrap(openNodesRequest(crypto, kDht, unwrap(decodeDhtHeader(nreq))));
      expect(nr.pingId.length).toBe(8);
      // Answer with one node (ourselves): a non-empty response c-toxcore accepts.
      ep.send(sealNodesResponse(crypto, kDht, ourDht.pk, rnd(24), {
        nodes: [{ transport: 'udp', ipPort: ep.ipPort, publicKey: ourDht.pk }],
        pingId: nr.pingId,
      }));
    });
  });

  describe('onion', () => {
    const ourReal = newPair();
    const dataPair = newPair(); // our announced temp ("data") pair
    let path: OnionPath;
    let kAnnounce: Bytes;

    beforeAll(() => {
      const p2 = newPair();
      const p3 = newPair();
      // A = B = C = D = the c-toxcore node (it routes through itself, docs/protocol.md §11.15).
      path = {
        publicKey1: ourDht.pk,
        sharedKey1: kDht,
        ipPort2: peerAddr,
        publicKey2: p2.pk,
        sharedKey2: crypto.precompute(peerDhtPk, p2.sk),
        ipPort3: peerAddr,
        publicKey3: p3.pk,
        sharedKey3: crypto.precompute(peerDhtPk, p3.sk),
      };
      kAnnounce = crypto.precompute(peerDhtPk, ourReal.sk);
    });

    async function announce(pingId: Bytes): Promise<AnnounceResponse> {
      const sendback = rnd(8);
      const req = sealAnnounceRequest(crypto, kAnnounce, ourReal.pk, rnd(24), {
        pingId,
        searchedPk: ourReal.pk,
        dataPk: dataPair.pk,
        sendback,
      });
      const onion = sealOnionRequest(crypto, path, rnd(24), peerAddr, req);
      expect(onion.length).toBe(403);
      ep.send(onion);
      const raw = await ep.next((b) => b[0] === 0x84 && toHex(b.subarray(1, 9)) === toHex(sendback), 'announce response');
      return unwrap(openAnnounceResponse(crypto, kAnnounce, unwrap(decodeAnnounceResponseHeader(raw))));
    }

    it('relays our 0x80 through itself to its announce service and returns a 0x84 (is_stored 0, a ping_id)', async () => {
      const r = await announce(new Uint8Array(32));
      expect(r.isStored).toBe(0);
      expect(r.pingIdOrDataPk.length).toBe(32);
    });

    it('stores us when we re-announce with that ping_id (is_stored 2), then delivers a 0x85 to us as a 0x86', async () => {
      const first = await announce(new Uint8Array(32));
      const second = await announce(first.pingIdOrDataPk);
      expect(second.isStored).toBe(2);

      // A friend request from another identity to ourselves, through the onion to the node we are announced at.
      const sender = newPair();
      const temp = newPair();
      const nonce = rnd(24);
      const payload = encodeFriendRequestPayload({ nospam: hex('4c762c7d'), message: new TextEncoder().encode('wire test') });
      const req = sealOnionDataRequest(crypto, {
        destRealPk: ourReal.pk,
        nonce,
        tempPk: temp.pk,
        outerSharedKey: crypto.precompute(dataPair.pk, temp.sk),
        senderRealPk: sender.pk,
        innerSharedKey: crypto.precompute(ourReal.pk, sender.sk),
        data: payload,
      });
      expect(req.length).toBe(153 + payload.length);
      ep.send(sealOnionRequest(crypto, path, rnd(24), peerAddr, req));
      const raw = await ep.next((b) => b[0] === 0x86, 'onion data response');
      expect(raw.length).toBe(121 + payload.length);
      const h = unwrap(decodeOnionDataResponse(raw));
      expect(toHex(h.nonce)).toBe(toHex(nonce));
      const outer = unwrap(openOnionDataOuter(crypto, crypto.precompute(h.tempPk, dataPair.sk), h));
      expect(toHex(outer.senderRealPk)).toBe(toHex(sender.pk));
      const data = unwrap(openOnionDataInner(crypto, crypto.precompute(outer.senderRealPk, ourReal.sk), h.nonce, outer.innerBox));
      const got = unwrap(decodeOnionDataPayload(data));
      expect(got.kind).toBe('friend_request');
      expect(toHex(concat(data))).toBe(toHex(payload));
    });
  });
}

for (const v of versions) describe.skipIf(!v.available)(`c-toxcore on the wire ${cTag(v)}`, () => wireSuite(v));
