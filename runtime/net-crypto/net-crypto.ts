/** net_crypto: cookies, handshakes, crypto data sessions per friend. (being built) */
import type { IpPort } from '../../protocol/ip-port.js';
import type { Engine, EngineDeadline, TimedLayer } from '../engine.js';
import type { Friend } from '../friends.js';

export class NetCrypto implements TimedLayer {
  constructor(private readonly host: Engine) {}
  handleCookieRequest(_from: IpPort, _data: Uint8Array): void {
    this.host.drop('net_crypto_not_built');
  }
  handleCookieResponse(_from: IpPort, _data: Uint8Array): void {
    this.host.drop('net_crypto_not_built');
  }
  handleHandshake(_from: IpPort, _data: Uint8Array): void {
    this.host.drop('net_crypto_not_built');
  }
  handleCryptoData(_from: IpPort, _data: Uint8Array): void {
    this.host.drop('net_crypto_not_built');
  }
  sendCookieRequest(_f: Friend, _dhtKey: string, _address: string): void {}
  sendHandshake(_f: Friend): void {}
  sendConfirm(_f: Friend): void {}
  close(_f: Friend, _sendKill: boolean, _reason: string): void {}
  nextTimer(): EngineDeadline | null {
    return null;
  }
  onTimer(_now: number): void {}
}
