/** Announce node (serving side): 0x83 announce requests and 0x85 data requests. (being built) */
import type { IpPort } from '../../protocol/ip-port.js';
import type { Engine, EngineDeadline, TimedLayer } from '../engine.js';

export class AnnounceServer implements TimedLayer {
  constructor(private readonly host: Engine) {}
  handlePacket(_from: IpPort, _data: Uint8Array): void {
    this.host.drop('announce_server_not_built');
  }
  nextTimer(): EngineDeadline | null {
    return null;
  }
  onTimer(_now: number): void {}
}
