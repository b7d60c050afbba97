/**
 * DHT key → the friends whose session currently names it, kept after every session step, so
 * that a packet or search result for a DHT key finds its friends without a scan of every
 * session (net_crypto's cookie requests, the DHT's address reports).
 */
export class DhtKeyIndex {
  private readonly byDhtKey = new Map<string, Set<string>>();
  private readonly dhtKeyOf = new Map<string, string>();

  /** Records the friend's current DHT key (null: none, or the friend is gone). */
  set(friendHex: string, dhtKey: string | null): void {
    const old = this.dhtKeyOf.get(friendHex);
    if (old === (dhtKey ?? undefined)) return;
    if (old !== undefined) {
      const set = this.byDhtKey.get(old);
      set?.delete(friendHex);
      if (set && set.size === 0) this.byDhtKey.delete(old);
      this.dhtKeyOf.delete(friendHex);
    }
    if (dhtKey !== null) {
      this.dhtKeyOf.set(friendHex, dhtKey);
      const set = this.byDhtKey.get(dhtKey) ?? new Set<string>();
      set.add(friendHex);
      this.byDhtKey.set(dhtKey, set);
    }
  }

  /** The friends (hex keys) whose session names `dhtKey`, in the order they took it. */
  friendsOf(dhtKey: string): Iterable<string> {
    return this.byDhtKey.get(dhtKey) ?? [];
  }
}
