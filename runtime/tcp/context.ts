/**
 * What the TCP relay client (client.ts) is given and what it reports (runtime/layer.ts): the
 * facts it tells the engine (`TcpFact`, routed by runtime/fact-routes.ts to wiring.ts), the
 * events for a relay's `tcpRelay` actor (`RelayEvent`, machines/tcp-relay.ts), and its context
 * (`TcpClientContext`): the streams, and what the sessions and the onion know.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { LayerContext, Reports } from '../layer.js';
import type { StreamPort } from './streams.js';

/** What the client tells the engine. */
export type TcpFact =
  /** Tell the relay's actor what happened on its connection. */
  | { readonly type: 'tcp.relayEvent'; readonly relay: string; readonly event: RelayEvent }
  /** A new relay is known: create its actor and start it. */
  | { readonly type: 'tcp.relayAdded'; readonly relay: string; readonly address: string }
  /** Whether any relay reaches this peer's DHT key changed. */
  | { readonly type: 'tcp.routeChanged'; readonly peer: string; readonly routed: boolean }
  /** A net_crypto packet from a peer through a relay; `reply` answers the same way. */
  | { readonly type: 'tcp.packet'; readonly peer: string; readonly data: Bytes; readonly reply: (packet: Bytes) => void }
  /** An onion response came back through relay `relay` at `address` (we used it as the first hop). */
  | { readonly type: 'tcp.onionResponse'; readonly relay: string; readonly address: IpPort; readonly data: Bytes }
  /** A relay became usable or stopped being usable. */
  | { readonly type: 'tcp.relayStatus'; readonly relay: string; readonly address: string; readonly online: boolean };

export type RelayEvent =
  | { readonly type: 'stream.opened' }
  | { readonly type: 'handshake.accepted' }
  | { readonly type: 'stream.failed'; readonly reason: string }
  | { readonly type: 'pong' }
  | { readonly type: 'uses'; readonly uses: number; readonly sleepingUses: number; readonly onion: boolean }
  | { readonly type: 'cmd.stop'; readonly reason: string };

export interface TcpClientContext extends LayerContext, Reports<TcpFact> {
  readonly streams: StreamPort;
  /** Whether the session with this peer's DHT key is established directly (the relay is not needed for it). */
  isDirect(peerHex: string): boolean;
  /** Whether a friend's session names this DHT key (only then does an out-of-band packet link a relay). */
  isFriendDhtKey(peerHex: string): boolean;
  /** Whether the onion wants relays now: UDP off, or the DHT has no good node (onion-relays.ts). */
  onionWanted(): boolean;
}
