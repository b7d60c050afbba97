/**
 * Named counters: every malformed, unauthenticated or unexpected datagram is counted under a
 * reason and dropped (never thrown), and the engine's activity is counted the same way.
 * Each counter is a cell found once per count and incremented in place (one map lookup where a
 * get and a set took two: several counts per datagram).
 */
export class Counters {
  private readonly map = new Map<string, { n: number }>();

  inc(name: string, by = 1): void {
    const cell = this.map.get(name);
    if (cell === undefined) this.map.set(name, { n: by });
    else cell.n += by;
  }

  get(name: string): number {
    return this.map.get(name)?.n ?? 0;
  }

  /** Sum of every counter whose name starts with `prefix`. */
  sum(prefix: string): number {
    let n = 0;
    for (const [k, v] of this.map) if (k.startsWith(prefix)) n += v.n;
    return n;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.map].map(([k, v]) => [k, v.n] as const).sort(([a], [b]) => a.localeCompare(b)));
  }
}
