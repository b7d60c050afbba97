/**
 * Acknowledgements of lossless packets (net_crypto request packets, ACK_DELAY_MS): a receiver
 * with nothing to send acknowledges within 10 ms of a lossless packet instead of at its next 1 s
 * request packet, so receipts come one round trip + 10 ms after a message, and a one-way stream
 * is not held to one window per second; a burst costs one acknowledgement per 10 ms, not one per
 * packet. Simulated network, virtual time.
 */
import { describe, expect, it } from 'vitest';
import { ACK_DELAY_MS } from '../../runtime/net-crypto/constants.js';
import { bothEstablished, eventsOf, introduce, makePair } from './net-crypto-helpers.js';

describe('acknowledgements', () => {
  it('a message is acknowledged (receipt) within one round trip + 10 ms', async () => {
    const p = await makePair({ latencyMs: 5 });
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    // Past the ALIVE and name exchange of the first seconds.
    sim.runFor(3_000);
    const sentAt = sim.now;
    const sent = a.engine.sendMessage(sim.now, b.engine.selfHex, 'ack me');
    if (!sent.ok) throw new Error(sent.message);
    const id = sent.id;
    sim.flush([a]);
    expect(sim.runUntilTrue(() => eventsOf(a, 'receipt').some((r) => r.id === id), 2_000)).toBe(true);
    const receipt = eventsOf(a, 'receipt').find((r) => r.id === id)!;
    expect(receipt.t - sentAt).toBeLessThanOrEqual(2 * 5 + ACK_DELAY_MS + 1);
    expect(b.engine.counters.get('error.handler')).toBe(0);
  });

  it('500 one-way messages all arrive and are acknowledged within a second, with far fewer acknowledgements than packets', async () => {
    const p = await makePair({ latencyMs: 5 });
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(3_000);
    const requestsBefore = b.engine.counters.get('net_crypto.requests_sent');
    const start = sim.now;
    const ids = new Set<number>();
    let sent = 0;
    // Enqueue as fast as the queue allows (it holds 1024).
    while (sent < 500) {
      const r = a.engine.sendMessage(sim.now, b.engine.selfHex, `m${sent}`);
      if (!r.ok) throw new Error(r.message);
      ids.add(r.id);
      sent++;
    }
    sim.flush([a]);
    expect(sim.runUntilTrue(() => eventsOf(a, 'receipt').filter((r) => ids.has(r.id)).length === 500, 10_000)).toBe(true);
    expect(sim.now - start).toBeLessThan(1_000);
    expect(eventsOf(b, 'message').filter((m) => m.text.startsWith('m')).map((m) => m.text)).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
    const acks = b.engine.counters.get('net_crypto.requests_sent') - requestsBefore;
    expect(acks).toBeGreaterThan(0);
    expect(acks).toBeLessThan(100);
    for (const n of [a, b]) expect(n.engine.counters.get('error.handler')).toBe(0);
  });
});
