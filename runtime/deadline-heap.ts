/**
 * An indexed min-heap of deadlines by key: the runtime's one timer is armed at its minimum.
 * `set` inserts, moves or (with null) removes a key in O(log n); `peek` is O(1). Keys are
 * strings (actor keys) or numbers (the simulator's node ids: no conversion per datagram).
 */
export interface HeapEntry<K extends string | number = string> {
  readonly key: K;
  at: number;
}

export class DeadlineHeap<K extends string | number = string> {
  private readonly heap: HeapEntry<K>[] = [];
  private readonly index = new Map<K, number>();

  get size(): number {
    return this.heap.length;
  }

  peek(): HeapEntry<K> | undefined {
    return this.heap[0];
  }

  get(key: K): number | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.heap[i]!.at;
  }

  set(key: K, at: number | null): void {
    const i = this.index.get(key);
    if (at === null) {
      if (i !== undefined) this.removeAt(i);
      return;
    }
    if (i === undefined) {
      this.heap.push({ key, at });
      this.index.set(key, this.heap.length - 1);
      this.up(this.heap.length - 1);
      return;
    }
    const e = this.heap[i]!;
    const old = e.at;
    e.at = at;
    if (at < old) this.up(i);
    else if (at > old) this.down(i);
  }

  /** Keys whose deadline is at or before `now`, earliest first (they stay in the heap). */
  due(now: number): K[] {
    const out: K[] = [];
    const visit = (i: number): void => {
      const e = this.heap[i];
      if (!e || e.at > now) return;
      out.push(e.key);
      visit(2 * i + 1);
      visit(2 * i + 2);
    };
    visit(0);
    return out;
  }

  private removeAt(i: number): void {
    const removed = this.heap[i]!;
    const last = this.heap.pop()!;
    this.index.delete(removed.key);
    if (i < this.heap.length) {
      this.heap[i] = last;
      this.index.set(last.key, i);
      this.up(i);
      this.down(i);
    }
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    this.index.set(b.key, i);
    this.index.set(a.key, j);
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.heap[p]!.at <= this.heap[i]!.at) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.heap[l]!.at < this.heap[m]!.at) m = l;
      if (r < n && this.heap[r]!.at < this.heap[m]!.at) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
