/**
 * Onion relay, the serving side of onion paths (docs/protocol.md §3.3; c-toxcore 0.2.18
 * `toxcore/onion.c` handle_send_initial / handle_send_1 / handle_send_2 / handle_recv_3/2/1).
 *
 * Requests 0x80 → 0x81 → 0x82 → exit: open our layer with shared(our DHT sk, the key in the
 * packet), seal the address we got it from (and the blob it carried) into a return blob under
 * our symmetric key, and forward to the next hop. The exit hop forwards only announce (0x83)
 * and onion data (0x85) payloads.
 * Responses 0x8c → 0x8d → 0x8e → raw R: open our return blob, forward what is inside to the
 * address it names; the last hop sends the bare R (a 0x84 or 0x86) to the client.
 *
 * No per-packet state is kept: the return blobs carry the path back. The secretbox key is
 * random per engine and renewed every 2 h (KEY_REFRESH_INTERVAL); unlike c-toxcore, which
 * forgets the old key at once, the previous key still opens blobs for one more period, so a
 * response in flight across a renewal is not lost.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import {
  decodeOnionRequestHeader,
  decodeOnionResponse,
  encodeOnionExit,
  encodeOnionRequest1,
  encodeOnionRequest2,
  openOnionLayer,
  relayOnionResponse,
  sealReturn,
} from '../../protocol/onion/index.js';
import type { LayerDeadline, TimedLayer } from '../layer.js';
import { ONION_KEY_REFRESH_INTERVAL_MS } from './constants.js';
import type { OnionRelayContext } from './context.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';

export class OnionRelay implements TimedLayer {
  private key: Bytes;
  private previousKey: Bytes | null = null;
  private keyCreatedAt: number;

  constructor(private readonly ctx: OnionRelayContext) {
    this.key = ctx.random.bytes(32);
    this.keyCreatedAt = ctx.now;
  }

  handlePacket(from: IpPort, data: Bytes): void {
    this.refreshKey(this.ctx.now);
    const id = data[0]!;
    if (id === PACKET_ID.onion_request_0 || id === PACKET_ID.onion_request_1 || id === PACKET_ID.onion_request_2) this.handleRequest(from, data);
    else this.handleResponse(data);
  }

  private handleRequest(from: IpPort, data: Bytes): void {
    const h = decodeOnionRequestHeader(data);
    if (!h.ok) return this.ctx.drop('onion.request_malformed');
    const header = h.value;
    // Cached only once the layer opens: garbage with random keys leaves nothing behind.
    const shared = this.ctx.keys.dhtSharedTentative(header.publicKey);
    const layer = openOnionLayer(this.ctx.crypto, shared, header);
    if (!layer.ok) {
      // A layer that authenticates but carries a payload the exit must not forward is its own reason.
      return this.ctx.drop(layer.error.includes('exit payload') ? 'onion.exit_payload_refused' : 'onion.request_invalid');
    }
    this.ctx.keys.rememberDht(header.publicKey, shared);
    const { next, publicKey, inner } = layer.value;
    const ret = sealReturn(this.ctx.crypto, this.key, this.ctx.random.bytes(24), from, header.returnBlob);
    let packet: Bytes;
    if (header.hop === 2) packet = encodeOnionExit(inner, ret);
    else if (!publicKey) return this.ctx.drop('onion.request_invalid');
    else packet = header.hop === 0 ? encodeOnionRequest1(header.nonce, publicKey, inner, ret) : encodeOnionRequest2(header.nonce, publicKey, inner, ret);
    this.ctx.count(`onion.relayed_request_${header.hop}`);
    this.ctx.send(next, packet);
  }

  private handleResponse(data: Bytes): void {
    const r = decodeOnionResponse(data);
    if (!r.ok) return this.ctx.drop('onion.response_malformed');
    let out = relayOnionResponse(this.ctx.crypto, this.key, r.value);
    if (!out.ok && this.previousKey) out = relayOnionResponse(this.ctx.crypto, this.previousKey, r.value);
    if (!out.ok) return this.ctx.drop('onion.response_invalid');
    this.ctx.count(`onion.relayed_response_${r.value.level}`);
    this.ctx.send(out.value.next, out.value.packet);
  }

  /** Renews the key every 2 h (lazily, as c-toxcore's change_symmetric_key); the previous key stays valid one period. */
  private refreshKey(now: number): void {
    if (now - this.keyCreatedAt < ONION_KEY_REFRESH_INTERVAL_MS) return;
    // After a long idle stretch the previous key is older than one period: forget it too.
    this.previousKey = now - this.keyCreatedAt < 2 * ONION_KEY_REFRESH_INTERVAL_MS ? this.key : null;
    this.key = this.ctx.random.bytes(32);
    this.keyCreatedAt = now;
    this.ctx.count('onion.relay_key_renewed');
  }

  /** No timer: the key is renewed when a packet needs it. */
  nextTimer(): LayerDeadline | null {
    return null;
  }

  onTimer(_now: number): void {}
}
