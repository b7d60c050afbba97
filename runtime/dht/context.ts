/**
 * What the DHT layer is given (runtime/layer.ts `LayerContext`, plus whether a key is a friend's)
 * and the facts it reports upward. The DHT knows nothing of friends' sessions or machines: it
 * says which DHT key it saw where, that it has its first good node, and that a friend sent its
 * DHT key along a DHT route; the engine decides what that means for whom.
 */
import type { IpPort } from '../../protocol/ip-port.js';
import type { DhtPk } from '../../protocol/dht/index.js';
import type { LayerContext, Reports } from '../layer.js';

/** How the DHT learned an address: a valid packet from the key itself, or a node naming it. */
export type DhtAddressSource = 'dhtKeyPacket' | 'dhtSearch';

export type DhtFact =
  /**
   * The node of a searched DHT key is at `ipPort`: it sent us a valid packet from there
   * ('dhtKeyPacket'), or a node named it there ('dhtSearch', a claim the DHT verifies by asking).
   */
  | { readonly type: 'dht.addressFound'; readonly dhtKey: string; readonly ipPort: IpPort; readonly source: DhtAddressSource }
  /** The close list has its first good node (again): announcing and searching can start. */
  | { readonly type: 'dht.connected' }
  /**
   * A node answered our request from an address where a friend's session last had a checked
   * address (`isFriendAddress`), with DHT key `dhtKey`: perhaps the friend, restarted there.
   */
  | { readonly type: 'dht.keyAtFriendAddress'; readonly dhtKey: string; readonly ipPort: IpPort }
  /** Friend `friendPk` (real key, hex) sent its DHT-PK along a DHT route (request 156), opened and authenticated. */
  | { readonly type: 'dht.dhtPkReceived'; readonly friendPk: string; readonly dhtPk: DhtPk };

export interface DhtContext extends LayerContext, Reports<DhtFact> {
  /** Whether a real public key (hex) is a friend's: a DHT-routed DHT-PK is opened only from a friend. */
  isFriend(realPkHex: string): boolean;
  /** Whether a friend's session last had a checked address at `ipPort` (a DHT message from there may name its new DHT key). */
  isFriendAddress(ipPort: IpPort): boolean;
  /** Answer LAN discovery packets from LAN addresses (EngineOptions.lanDiscovery, default false; toxstate never sends them). */
  readonly lanDiscovery?: boolean;
}
