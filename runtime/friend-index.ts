/**
 * A value → the friends it currently belongs to, kept after every session step, so that a
 * packet finds its friends without a scan of every session. The engine keeps two:
 *   - DHT key → friends whose session names it (net_crypto's cookie requests, the DHT's address reports);
 *   - address → friends whose session last had a checked address there (kept after the session
 *     forgets it: a node answering from there with another DHT key may be the friend, restarted —
 *     the seed's "DHTKey: receive dht message from SockAddr").
 */
export class FriendIndex {
  private readonly friendsByValue = new Map<string, Set<string>>();
  private readonly valueOf = new Map<string, string>();

  /** Records the friend's current value (null: none, or the friend is gone). */
  set(friendHex: string, value: string | null): void {
    const old = this.valueOf.get(friendHex);
    if (old === (value ?? undefined)) return;
    if (old !== undefined) {
      const set = this.friendsByValue.get(old);
      set?.delete(friendHex);
      if (set && set.size === 0) this.friendsByValue.delete(old);
      this.valueOf.delete(friendHex);
    }
    if (value !== null) {
      this.valueOf.set(friendHex, value);
      const set = this.friendsByValue.get(value) ?? new Set<string>();
      set.add(friendHex);
      this.friendsByValue.set(value, set);
    }
  }

  /** The friend's current value, if any. */
  get(friendHex: string): string | undefined {
    return this.valueOf.get(friendHex);
  }

  /** Whether any friend has a value (a cheap test before computing a lookup key). */
  get size(): number {
    return this.friendsByValue.size;
  }

  /** Whether some friend has `value`. */
  has(value: string): boolean {
    return this.friendsByValue.has(value);
  }

  /** The friends (hex keys) whose value is `value`, in the order they took it. */
  friendsOf(value: string): Iterable<string> {
    return this.friendsByValue.get(value) ?? [];
  }
}
