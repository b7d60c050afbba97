/**
 * Which of our TCP relays carry the onion (docs/protocol.md §14.7; c-toxcore 0.2.18
 * `toxcore/TCP_connection.c` set_tcp_onion_status, tcp_relay_on_online, get_random_tcp_onion_conn_number,
 * and `toxcore/onion_client.c` do_onion_client, which calls set_tcp_onion_status(!udp_connected)).
 *
 * While the onion wants relays — UDP is off, or the DHT has no good node (`onionWanted`, read again
 * whenever the marks matter: a relay comes online or goes, a path is built, the DHT connects) — up
 * to NUM_ONION_TCP_CONNECTIONS (3) confirmed relays are marked; when it no longer does, every mark
 * goes. A relay whose mark changed tells its actor (`uses` with `onion`, machines/tcp-relay.ts: a
 * marked relay never sleeps). Only confirmed relays count as marked: one that went offline or was
 * forgotten loses its mark at the next refresh, and another confirmed one may take its place (its
 * actor starts its next attempt with no uses anyway, and hears them again once online). c-toxcore also wakes sleeping relays when the status turns
 * on; toxstate's marks go to confirmed relays only (a sleeping one wakes when a friend needs it).
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { NUM_ONION_TCP_CONNECTIONS } from '../../protocol/tcp/index.js';
import type { Random } from '../random.js';

/** A relay as the marks see it (runtime/tcp/client.ts). */
export interface OnionRelayView {
  readonly pk: Bytes;
  readonly hex: string;
  readonly address: IpPort;
  readonly confirmed: boolean;
}

/** What the marks need of the relay client's context. */
export interface OnionRelayContext {
  /** Whether the onion wants relays now (UDP off, or the DHT has no good node). */
  onionWanted(): boolean;
  readonly random: Random;
  count(name: string): void;
}

export class OnionRelayMarks {
  private readonly marked = new Set<string>();

  constructor(
    private readonly ctx: OnionRelayContext,
    /** The client's relays by key (hex), in the order they were added. */
    private readonly relays: ReadonlyMap<string, OnionRelayView>,
    /** A relay's mark changed: its actor hears its uses again. */
    private readonly changed: (relayHex: string) => void,
  ) {}

  /** Marks and unmarks by whether the onion wants relays now (set_tcp_onion_status). Returns whether a confirmed relay is marked. */
  refresh(): boolean {
    // A marked relay that went offline or was forgotten loses its mark (another may take it below).
    for (const hex of this.marked) {
      if (this.has(hex)) continue;
      this.marked.delete(hex);
      this.ctx.count('tcp.onion_relay_lost');
    }
    const changed: string[] = [];
    if (!this.ctx.onionWanted()) {
      changed.push(...this.marked);
      this.marked.clear();
    } else {
      for (const r of this.relays.values()) {
        if (this.marked.size >= NUM_ONION_TCP_CONNECTIONS) break;
        if (r.confirmed && !this.marked.has(r.hex)) {
          this.marked.add(r.hex);
          changed.push(r.hex);
        }
      }
    }
    for (const hex of changed) this.changed(hex);
    return this.marked.size > 0;
  }

  /** Whether this relay is confirmed and marked. */
  has(relayHex: string): boolean {
    return this.marked.has(relayHex) && this.relays.get(relayHex)?.confirmed === true;
  }

  /** A random confirmed marked relay (get_random_tcp_onion_conn_number), or null, drawing no randomness then. */
  pick(): { readonly pk: Bytes; readonly hex: string; readonly ipPort: IpPort } | null {
    if (!this.refresh()) return null;
    const list = [...this.marked];
    const r = this.relays.get(list[this.ctx.random.int(list.length)]!)!;
    return { pk: r.pk, hex: r.hex, ipPort: r.address };
  }
}
