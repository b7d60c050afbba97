/**
 * A full journal ring (100,000 entries, the engine's default capacity) pages like a short one:
 * any page is computed from its offset alone, and the friend filter and time travel still work
 * when the ring has wrapped. (Timing is not asserted; the page only ever asks for visible rows.)
 */
import { describe, expect, it } from 'vitest';
import { actorKeys } from '../../runtime/engine.js';
import { simulatedDemo } from '../../inspector/demo.js';
import { InspectorModel } from '../../inspector/model.js';
import { testCrypto } from './helpers.js';

describe('a journal of 100,000 entries', () => {
  it('pages, filters and time-travels over a wrapped ring', async () => {
    const demo = simulatedDemo({ crypto: await testCrypto(), seed: 9 });
    demo.demo!.sim.runFor(20_000);
    const model = new InspectorModel(demo.target);
    const alice = demo.demo!.alice.node.engine;
    const bob = demo.demo!.bob.node.engine.selfHex;
    const real = alice.journal.since(0);
    expect(real.length).toBeGreaterThan(10);
    // Replay copies of the real steps until the ring is full and has wrapped.
    const capacity = alice.journal.capacity;
    for (let i = 0; alice.journal.size < capacity || alice.journal.dropped < 5_000; i++) {
      const { seq: _seq, ...e } = real[i % real.length]!;
      alice.journal.append({ ...e, t: e.t + Math.floor(i / real.length) * 20_000 });
    }
    const page0 = model.journal('Alice', { offset: 0, limit: 100 });
    expect(page0.total).toBe(capacity);
    expect(page0.firstSeq).toBe(alice.journal.dropped + 1);
    expect(page0.rows.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => page0.firstSeq + i));
    const middle = model.journal('Alice', { offset: 54_321, limit: 40 });
    expect(middle.rows[0]!.seq).toBe(page0.firstSeq + 54_321);
    expect(middle.rows).toHaveLength(40);
    const last = model.journal('Alice', { offset: capacity - 10, limit: 100 });
    expect(last.rows).toHaveLength(10);
    expect(last.rows[9]!.seq).toBe(alice.journal.lastSeq);

    const onlyBob = model.journal('Alice', { friend: bob, offset: 0, limit: 1000 });
    const expectedBob = alice.journal.since(0).filter((e) => e.actor.endsWith(bob));
    expect(onlyBob.total).toBe(expectedBob.length);
    expect(onlyBob.rows.map((r) => r.seq)).toEqual(expectedBob.slice(0, 1000).map((e) => e.seq));
    expect(model.journalIndexOf('Alice', expectedBob[500]!.seq, bob)).toBe(500);

    // Time travel inside the wrapped ring: the session's state after an entry is that entry's `to`.
    const key = actorKeys.session(bob);
    const someSession = alice.journal.since(alice.journal.lastSeq - 20_000).find((e) => e.actor === key)!;
    const v = model.view('Alice', { friend: bob, seq: someSession.seq });
    expect(v.actors.find((a) => a.role === 'session')!.value).toEqual(someSession.to);
    // Before the ring nothing is claimed: the view starts at the oldest kept entry.
    expect(model.view('Alice', { friend: bob, seq: 1 }).seq).toBe(page0.firstSeq - 1);
    model.close();
  });
});
