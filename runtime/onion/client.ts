/** Onion client: paths, self-announce, friend search, onion data. (being built) */
import type { IpPort } from '../../protocol/ip-port.js';
import type { Engine, EngineDeadline, TimedLayer } from '../engine.js';
import type { Friend } from '../friends.js';

export class OnionClient implements TimedLayer {
  constructor(private readonly host: Engine) {}
  handleResponse(_from: IpPort, _data: Uint8Array): void {
    this.host.drop('onion_client_not_built');
  }
  announceRound(_mode: 'searching' | 'announced' | 'stable'): void {}
  announceTo(_node: string): void {}
  searchFriend(_f: Friend): void {}
  sendDhtPk(_f: Friend): void {}
  sendDhtPkRoute(_f: Friend, _friendDhtKey: string): void {}
  removeFriend(_pkHex: string): void {}
  /** The DHT has nodes to build paths from. */
  onDhtNodes(): void {}
  nextTimer(): EngineDeadline | null {
    return null;
  }
  onTimer(_now: number): void {}
}
