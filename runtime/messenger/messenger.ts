/** friend_connection + messenger: ALIVE, ONLINE, names, messages, receipts. (being built) */
import type { Engine, EngineDeadline, TimedLayer } from '../engine.js';
import type { Friend } from '../friends.js';

export class Messenger implements TimedLayer {
  constructor(private readonly host: Engine) {}
  sendAlive(_f: Friend): void {}
  onOnline(_f: Friend): void {}
  onOffline(_f: Friend): void {}
  nextTimer(): EngineDeadline | null {
    return null;
  }
  onTimer(_now: number): void {
    void this.host;
  }
}
