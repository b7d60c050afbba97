/**
 * Named counters: every malformed, unauthenticated or unexpected datagram is counted under a
 * reason and dropped (never thrown), and the engine's activity is counted the same way.
 */
export class Counters {
  private readonly map = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.map.set(name, (this.map.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.map.get(name) ?? 0;
  }

  /** Sum of every counter whose name starts with `prefix`. */
  sum(prefix: string): number {
    let n = 0;
    for (const [k, v] of this.map) if (k.startsWith(prefix)) n += v;
    return n;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.map].sort(([a], [b]) => a.localeCompare(b)));
  }
}
