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
 *
 * TCP relay clients (runtime/tcp/server.ts; c-toxcore TCP_server.c ONION_REQUEST → onion.c
 * `onion_send_1`, and `handle_recv_1` → `recv_1_function`): `handleTcpRequest` is the first hop for
 * a client whose request came over TCP (no layer to open: the TCP session protects it), its return
 * blob naming the client by a pseudo-address (runtime/tcp/onion-source.ts); a 0x8e whose blob opens
 * to such an address goes to the hook set with `onTcpResponse`. Without a hook (no TCP server) the
 * UDP paths run exactly as before.
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
import { decodeOnionIpPort } from '../../protocol/ip-port.js';
import { ONION_IP_PORT_SIZE_BYTES, ONION_MAX_PACKET_SIZE_BYTES, ONION_RETURN_1_SIZE_BYTES, ONION_SEND_BASE_SIZE_BYTES } from '../../protocol/onion/constants.js';
import { NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES } from '../../protocol/crypto.js';
import { tcpOnionStream } from '../tcp/onion-source.js';

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
    // With a TCP server, a datagram may not claim a TCP client's pseudo-address as its source.
    if (this.tcpResponse !== null && tcpOnionStream(from) !== null) return this.ctx.drop('onion.request_from_tcp_address');
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
    if (r.value.level === 1 && this.tcpResponse !== null && tcpOnionStream(out.value.next) !== null) {
      this.ctx.count('onion.relayed_response_tcp');
      return this.tcpResponse(out.value.next, out.value.packet);
    }
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

  // ---- TCP relay clients (runtime/tcp/server.ts) ---------------------------------------------

  private tcpResponse: ((source: IpPort, data: Bytes) => void) | null = null;

  /** Where responses for TCP clients go (the TCP server); set once, when the node serves TCP. */
  onTcpResponse(hook: (source: IpPort, data: Bytes) => void): void {
    this.tcpResponse = hook;
  }

  /**
   * An ONION_REQUEST from a TCP client (c-toxcore onion.c `onion_send_1` with the TCP source):
   * `plain` is next hop IP_Port (19) ‖ public key (32) ‖ box, `nonce` the request's nonce; we
   * are the first hop and send a 0x81 whose RETURN_1 names `source`. Returns false (counted) for
   * what onion_send_1 refuses: too short, too long, or a next hop that is not a UDP address.
   */
  handleTcpRequest(source: IpPort, nonce: Bytes, plain: Bytes): boolean {
    this.refreshKey(this.ctx.now);
    if (nonce.length !== NONCE_SIZE_BYTES) return this.refuseTcp('onion.tcp_request_malformed');
    if (plain.length > ONION_MAX_PACKET_SIZE_BYTES + ONION_IP_PORT_SIZE_BYTES - (1 + NONCE_SIZE_BYTES + ONION_RETURN_1_SIZE_BYTES))
      return this.refuseTcp('onion.tcp_request_too_long');
    if (plain.length <= ONION_IP_PORT_SIZE_BYTES + 2 * ONION_SEND_BASE_SIZE_BYTES) return this.refuseTcp('onion.tcp_request_too_short');
    const next = decodeOnionIpPort(plain.subarray(0, ONION_IP_PORT_SIZE_BYTES));
    if (!next.ok) return this.refuseTcp('onion.tcp_request_bad_next');
    const publicKey = plain.subarray(ONION_IP_PORT_SIZE_BYTES, ONION_IP_PORT_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES);
    const box = plain.subarray(ONION_IP_PORT_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES);
    const ret = sealReturn(this.ctx.crypto, this.key, this.ctx.random.bytes(24), source);
    this.ctx.count('onion.relayed_request_tcp');
    this.ctx.send(next.value, encodeOnionRequest1(nonce, publicKey, box, ret));
    return true;
  }

  private refuseTcp(reason: string): false {
    this.ctx.drop(reason);
    return false;
  }

  /** No timer: the key is renewed when a packet needs it. */
  nextTimer(): LayerDeadline | null {
    return null;
  }

  onTimer(_now: number): void {}
}
