/**
 * Message throughput and latency over loopback, side by side: toxstate → toxstate,
 * toxstate → c-toxcore, c-toxcore → toxstate and c-toxcore → c-toxcore, once the pair is online.
 *   - Throughput: the sender enqueues N messages of 1 KiB as fast as its send queue takes them
 *     (toxstate: until `queue_full`, then again after the next receipt; c-toxcore: cpeer's `flood`
 *     command, which retries after SENDQ), and the clock stops at the last receipt. Messages are
 *     lossless packets, and a receipt means the receiver's net_crypto acknowledged it, so
 *     messages/s counts delivered-and-acknowledged messages.
 *   - Latency: L messages of 1 KiB one at a time (the next after the last arrived); median and
 *     90th percentile of send → receive.
 * c-toxcore's side of a time is when cpeer's JSON line was read (one pipe hop later). Figures,
 * never assertions.
 */
import type { CPeer } from '../harness/interop/cpeer.js';
import type { TPeer } from '../harness/interop/tpeer.js';
import { BENCH_WAIT_MS, cAvailability, closeEverything, connectPair, pairing, sleep, type BenchPeer, type Pairing } from './pairs.js';
import type { Bench, BenchResult } from './types.js';

const MESSAGE_BYTES = 1024;
const FULL = { messages: 5_000, latency: 50 };
const QUICK = { messages: 30, latency: 3 };

/** `first` receives, `second` (bootstrapped to it) sends. */
const CASES: readonly Pairing[] = [
  pairing('toxstate → toxstate', 'toxstate', 'toxstate'),
  pairing('toxstate → c-toxcore', 'c-toxcore', 'toxstate'),
  pairing('c-toxcore → toxstate', 'toxstate', 'c-toxcore'),
  pairing('c-toxcore → c-toxcore', 'c-toxcore', 'c-toxcore'),
];

const textOf = (seq: number, size = MESSAGE_BYTES): string => `${String(seq).padStart(8, '0')}${'x'.repeat(size - 8)}`;

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

/** toxstate sends n messages as fast as its queue takes them; resolves with ms from the first send to the last receipt. */
async function floodFromToxstate(t: TPeer, friendPk: string, n: number): Promise<{ ms: number; queueFullWaits: number }> {
  const ids = new Set<number>();
  let receipts = 0;
  let wake: (() => void) | null = null;
  let finish: (() => void) | null = null;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const off = t.node.onEvent((e) => {
    if (e.type !== 'receipt' || e.friend !== friendPk || !ids.delete(e.id)) return;
    receipts++;
    wake?.();
    if (receipts === n) finish?.();
  });
  const deadline = performance.now() + BENCH_WAIT_MS;
  let queueFullWaits = 0;
  const start = performance.now();
  try {
    for (let sent = 0; sent < n; ) {
      const r = t.run((e, now) => e.sendMessage(now, friendPk, textOf(sent), 'normal'));
      if (r.ok) {
        ids.add(r.id);
        sent++;
      } else {
        if (r.error !== 'queue_full') throw new Error(`flood: ${r.message}`);
        queueFullWaits++;
        if (performance.now() > deadline) throw new Error(`flood: send queue still full after ${BENCH_WAIT_MS} ms`);
        // Room comes with receipts; wait for the next one (or 50 ms).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          wake = () => {
            clearTimeout(timer);
            wake = null;
            resolve();
          };
        });
      }
    }
    const left = Math.max(1, deadline - performance.now());
    await Promise.race([finished, sleep(left).then(() => Promise.reject(new Error(`flood: ${receipts}/${n} receipts after ${BENCH_WAIT_MS} ms`)))]);
    return { ms: performance.now() - start, queueFullWaits };
  } finally {
    off();
  }
}

/** c-toxcore (cpeer `flood`) sends n messages; resolves with ms from the command to the last receipt read. */
async function floodFromC(c: CPeer, friend: number, n: number): Promise<{ ms: number; queueFullWaits: number }> {
  const since = c.mark();
  const start = performance.now();
  c.send(`flood ${friend} ${n} ${MESSAGE_BYTES}`);
  const flood = await c.waitForEvent('flood', (e) => e.friend === friend, BENCH_WAIT_MS, since);
  let receipts = 0;
  let i = since;
  const deadline = performance.now() + BENCH_WAIT_MS;
  for (;;) {
    for (; i < c.events.length; i++) {
      const e = c.events[i]!;
      if (e.event === 'receipt' && e.friend === friend) receipts++;
      if (e.event === 'error') throw new Error(`cpeer: ${JSON.stringify(e)}`);
    }
    if (receipts >= n) break;
    if (performance.now() > deadline) throw new Error(`flood: ${receipts}/${n} receipts after ${BENCH_WAIT_MS} ms`);
    await sleep(10);
  }
  const lastAt = (c.arrivedAtMs[i - 1] ?? performance.timeOrigin + performance.now()) - performance.timeOrigin;
  return { ms: lastAt - start, queueFullWaits: flood.sendq_waits };
}

/** How many messages from `fromPk` the receiver has seen since `since` (to check that all arrived). */
function receivedCount(r: BenchPeer, fromPk: string, since: number): number {
  if (r.t) return r.t.events.slice(since).filter((e) => e.type === 'message' && e.friend === fromPk).length;
  if (r.c) return r.c.events.slice(since).filter((e) => e.event === 'message' && e.pk.toLowerCase() === fromPk).length;
  return 0;
}

async function measure(p: Pairing, sizes: { messages: number; latency: number }): Promise<Record<string, string | number>> {
  const { a: receiver, b: sender } = await connectPair(p);
  try {
    // Throughput.
    const rMark = receiver.mark();
    let flood: { ms: number; queueFullWaits: number };
    if (sender.t) flood = await floodFromToxstate(sender.t, receiver.pk, sizes.messages);
    else {
      const s = sender as BenchPeer & { friendNumber(pk: string): Promise<number> };
      flood = await floodFromC(sender.c!, await s.friendNumber(receiver.pk), sizes.messages);
    }
    // Every message must also have arrived (receipts could in principle run ahead of the app).
    const arriveBy = performance.now() + 10_000;
    while (receivedCount(receiver, sender.pk, rMark) < sizes.messages && performance.now() < arriveBy) await sleep(10);
    const arrived = receivedCount(receiver, sender.pk, rMark);

    // Latency, one message at a time.
    const latencies: number[] = [];
    for (let i = 0; i < sizes.latency; i++) {
      const text = textOf(1_000_000 + i);
      const mark = receiver.mark();
      const sentAt = await sender.send(receiver.pk, text);
      const gotAt = await receiver.whenMessage(sender.pk, text, mark);
      latencies.push(gotAt - sentAt);
    }
    const perSecond = sizes.messages / (flood.ms / 1000);
    return {
      'sender → receiver': p.name,
      messages: sizes.messages,
      'arrived': arrived,
      'messages/s': Math.round(perSecond),
      'MB/s': Number(((perSecond * MESSAGE_BYTES) / 1e6).toFixed(2)),
      'median latency ms': Number(percentile(latencies, 0.5).toFixed(1)),
      'p90 latency ms': Number(percentile(latencies, 0.9).toFixed(1)),
      'send-queue waits': flood.queueFullWaits,
    };
  } finally {
    await receiver.close();
    await sender.close();
  }
}

export const throughputBench: Bench = {
  name: 'throughput',
  title: 'Messages of 1 KiB over loopback: delivered-and-acknowledged throughput and one-at-a-time latency',
  async run({ quick }): Promise<BenchResult> {
    const avail = await cAvailability();
    const sizes = quick ? QUICK : FULL;
    const notes: string[] = [];
    if (!avail.ok) notes.push(`c-toxcore rows n/a: ${avail.reason}`);
    if (quick) notes.push(`quick: ${QUICK.messages} messages, ${QUICK.latency} latency samples; c-toxcore → c-toxcore (~10 s to connect) skipped`);
    const rows: Array<Record<string, string | number>> = [];
    for (const p of CASES) {
      const na = { 'sender → receiver': p.name, messages: 'n/a', arrived: 'n/a', 'messages/s': 'n/a', 'MB/s': 'n/a', 'median latency ms': 'n/a', 'p90 latency ms': 'n/a', 'send-queue waits': 'n/a' };
      if ((p.needsC && !avail.ok) || (quick && p.first === 'c-toxcore' && p.second === 'c-toxcore')) {
        rows.push(na);
        continue;
      }
      try {
        rows.push(await measure(p, sizes));
      } catch (e) {
        // A smoke run must fail loudly; a full run records the failure and goes on.
        if (quick) throw e;
        notes.push(`${p.name}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        rows.push(na);
      } finally {
        await closeEverything();
      }
      await sleep(300);
    }
    notes.push(
      `${sizes.messages} messages of ${MESSAGE_BYTES} bytes per row; MB = 10^6 bytes of message text. ` +
        "A c-toxcore receiver's latency includes cpeer's loop, which sleeps up to tox_iteration_interval (≤ 50 ms) between tox_iterate calls " +
        '(c-toxcore 0.2.18 offers no socket to wait on), as any c-toxcore client loop does. toxstate → toxstate runs both engines in this one Node process; ' +
        "c-toxcore's sends are paced by its own congestion control (it enqueues all at once: no send-queue waits), toxstate's by a fixed window of 128 packets in flight.",
    );
    return { rows, notes };
  },
};
