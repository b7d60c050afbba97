/**
 * The loopback shim's receive loss (TOXSTATE_SHIM_DROP_RECV_PERMILLE, TOXSTATE_SHIM_SEED), proved
 * with the shim probe (`shim-probe --loss N`: N datagrams over loopback, read back without
 * blocking): about that fraction is discarded after the kernel delivered it, each discard is an
 * `rxdrop` line in the shim log while every datagram keeps its `send` line, the same seed drops
 * the same datagrams, and without the option nothing is dropped.
 *
 * Skipped, with `SKIPPED: c-toxcore interop: <reason>` printed, when the native helpers cannot be
 * built here.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interopAvailability } from '../../harness/interop/native-build.js';
import { runShimProbe } from '../../harness/interop/shim-probe.js';
import { parseShimLog } from '../../harness/interop/shim-log.js';

const availability = await interopAvailability();
const N = 1000;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'toxstate-shim-loss-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!availability.ok)('loopback shim receive loss (shim probe, no c-toxcore)', () => {
  it('drops about the asked fraction of received datagrams, logs each as rxdrop and keeps every send line', async () => {
    const log = path.join(dir, 'loss.log');
    const { result, run } = await runShimProbe({ netns: false, shimLog: log, loss: { count: N, permille: 100, seed: 42 } });
    expect(result?.ok, run.stderr).toBe(true);
    const loss = result!.loss!;
    expect(loss.sent).toBe(N);
    expect(loss.received + loss.rx_dropped).toBe(N);
    // 10% of 1000 draws: far outside 50..150 would mean the option is broken, not unlucky.
    expect(loss.rx_dropped).toBeGreaterThan(50);
    expect(loss.rx_dropped).toBeLessThan(150);

    const parsed = parseShimLog(await readFile(log, 'utf8'));
    expect(parsed.errors).toEqual([]);
    const count = (dir: string): number => parsed.records.filter((r) => r.dir === dir).length;
    expect(count('send')).toBe(N);
    expect(count('recv')).toBe(loss.received);
    expect(count('rxdrop')).toBe(loss.rx_dropped);
    // An rxdrop line names the sender and the receiver like a recv line.
    const dropped = parsed.records.find((r) => r.dir === 'rxdrop');
    expect(dropped?.src?.ip).toBe('127.0.0.1');
    expect(dropped?.dst?.ip).toBe('127.0.0.1');
  });

  it('drops the same datagrams for the same seed, others for another seed', async () => {
    const a = await runShimProbe({ netns: false, loss: { count: 200, permille: 300, seed: 7 } });
    const b = await runShimProbe({ netns: false, loss: { count: 200, permille: 300, seed: 7 } });
    const c = await runShimProbe({ netns: false, loss: { count: 200, permille: 300, seed: 8 } });
    expect(a.result?.loss?.first).toEqual(b.result?.loss?.first);
    expect(a.result?.loss?.received).toBe(b.result?.loss?.received);
    expect(c.result?.loss?.first).not.toEqual(a.result?.loss?.first);
  });

  it('drops nothing without the option, and refuses a value above 1000', async () => {
    const off = await runShimProbe({ netns: false, loss: { count: 300 } });
    expect(off.result?.loss).toMatchObject({ sent: 300, received: 300, rx_dropped: 0 });
    const bad = await runShimProbe({ netns: false, loss: { count: 300, permille: 5000 } });
    expect(bad.result?.loss).toMatchObject({ received: 300, rx_dropped: 0 });
    expect(bad.run.stderr).toMatch(/must be 0\.\.1000/);
  });
});
