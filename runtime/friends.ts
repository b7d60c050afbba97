/**
 * The friend table: who our friends are and what the protocol layers remember about them
 * that is not progress (progress lives in the friend's machines). Plain data, owned by the
 * engine, read and written by its subsystems.
 */
import type { FriendPolicy } from '../machines/index.js';
import { toHex, type Bytes } from '../protocol/bytes.js';

/** c-toxcore friend status (Messenger.h): 1 added (request not sent yet), 2 request sent, 3 confirmed. */
export type FriendStatus = 'added' | 'requested' | 'confirmed';

export interface Friend {
  readonly pk: Bytes;
  readonly pkHex: string;
  status: FriendStatus;
  /** Friend request to send (status added/requested). */
  requestMessage: string;
  requestNospam: Bytes;
  name: string;
  statusMessage: string;
  userStatus: number;
  /** Unix seconds last seen online. */
  lastSeen: bigint;
  /** Highest DHT-PK `no_replay` accepted from this friend (reset when it goes offline). */
  lastNoReplay: bigint;
  /**
   * What we do about this friend (machines/types.ts): search and connect (`TryingToConnect`, the
   * default), only answer its handshakes (`OpenToConnect`), or drop everything from it
   * (`RefusingToConnect`). Changed only through the engine's `setFriendPolicy`.
   */
  policy: FriendPolicy;
}

export interface FriendInit {
  pk: Bytes;
  status?: FriendStatus;
  requestMessage?: string;
  requestNospam?: Bytes;
  name?: string;
  statusMessage?: string;
  userStatus?: number;
  lastSeen?: bigint;
  policy?: FriendPolicy;
}

export class FriendTable {
  private readonly byHex = new Map<string, Friend>();

  get size(): number {
    return this.byHex.size;
  }

  add(init: FriendInit): Friend {
    const pkHex = toHex(init.pk);
    const existing = this.byHex.get(pkHex);
    if (existing) return existing;
    const f: Friend = {
      pk: init.pk,
      pkHex,
      status: init.status ?? 'confirmed',
      requestMessage: init.requestMessage ?? '',
      requestNospam: init.requestNospam ?? new Uint8Array(4),
      name: init.name ?? '',
      statusMessage: init.statusMessage ?? '',
      userStatus: init.userStatus ?? 0,
      lastSeen: init.lastSeen ?? 0n,
      lastNoReplay: 0n,
      policy: init.policy ?? 'TryingToConnect',
    };
    this.byHex.set(pkHex, f);
    return f;
  }

  /** How many friends were ever removed (layers that keep per-friend state clean up when it changes). */
  removals = 0;

  remove(pkHex: string): boolean {
    const removed = this.byHex.delete(pkHex);
    if (removed) this.removals++;
    return removed;
  }

  get(pkHex: string): Friend | undefined {
    return this.byHex.get(pkHex);
  }

  has(pkHex: string): boolean {
    return this.byHex.has(pkHex);
  }

  all(): IterableIterator<Friend> {
    return this.byHex.values();
  }
}
