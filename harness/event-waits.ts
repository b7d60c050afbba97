/**
 * Waiting for an event that may already have happened: the one mechanism the process and peer
 * drivers (node-process.ts, interop/cpeer.ts, interop/tpeer.ts) share. Events are kept in order;
 * `waitFor` looks at those from `since` on and then at every new one, and gives up after a
 * timeout (or when `failAll` says the source is gone) with the caller's message.
 */
interface Waiter<E> {
  readonly pred: (e: E) => boolean;
  readonly resolve: (e: E) => void;
  readonly reject: (e: Error) => void;
}

export class EventWaits<E> {
  /** Every event so far, in order. */
  readonly events: E[] = [];
  private waiters: Waiter<E>[] = [];

  /** Records an event and resolves every wait it satisfies. */
  push(e: E): void {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(e)) return true;
      w.resolve(e);
      return false;
    });
  }

  /** The first event from index `since` on (past or future) that `pred` accepts; rejects with `timeoutMessage()` after `timeoutMs`. */
  waitFor(pred: (e: E) => boolean, timeoutMs: number, timeoutMessage: () => string, since = 0): Promise<E> {
    const seen = this.events.slice(since).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(timeoutMessage()));
      }, timeoutMs);
      const waiter: Waiter<E> = {
        pred,
        resolve: (e) => (clearTimeout(timer), resolve(e)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
      this.waiters.push(waiter);
    });
  }

  /** Rejects every pending wait (the source of events is gone). */
  failAll(why: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(why);
  }
}
