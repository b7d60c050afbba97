/** Onion relay (serving side): 0x80–0x82 forwarding and 0x8c–0x8e return path. (being built) */
import type { IpPort } from '../../protocol/ip-port.js';
import type { Engine, EngineDeadline, TimedLayer } from '../engine.js';

export class OnionRelay implements TimedLayer {
  constructor(private readonly host: Engine) {}
  handlePacket(_from: IpPort, _data: Uint8Array): void {
    this.host.drop('onion_relay_not_built');
  }
  nextTimer(): EngineDeadline | null {
    return null;
  }
  onTimer(_now: number): void {}
}
