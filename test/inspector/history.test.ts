/**
 * Time travel: the state and context the inspector reconstructs from the journal for any actor
 * at any journal position equal what the engine's own actors held at that moment.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Actors } from '../../runtime/actors.js';
import { Journal } from '../../runtime/journal.js';
import { activeStateIds, NodeHistory, stateText } from '../../inspector/history.js';
import { demoNetwork, FRIEND, friendSessionEvents } from './helpers.js';

interface Sample {
  readonly seq: number;
  readonly actors: ReadonlyArray<{ key: string; value: unknown; context: unknown }>;
}

function sample(actors: Actors, journal: Journal): Sample {
  return {
    seq: journal.lastSeq,
    actors: [...actors.all()].map((a) => ({ key: a.key, value: structuredClone(a.snapshot.value), context: structuredClone(a.snapshot.context) })),
  };
}

describe('state values as text', () => {
  it('names nested states by path', () => {
    expect(stateText('Idle')).toBe('Idle');
    expect(stateText({ Active: 'Searching' })).toBe('Active.Searching');
    expect(activeStateIds({ Active: 'Sharing' })).toEqual(['Active', 'Active.Sharing']);
  });
});

describe('NodeHistory on the demo network', () => {
  it("reconstructs every actor's state and context at sampled points as the engines had them", async () => {
    const demo = await demoNetwork({ seed: 11 });
    const nodes = [demo.alice.node.engine, demo.bob.node.engine];
    const histories = nodes.map((e) => new NodeHistory(e));
    const samples: Array<Sample & { node: number }> = [];
    let steps = 0;
    while (demo.sim.now < 60_000 && demo.sim.step()) {
      if (++steps % 17 === 0) nodes.forEach((e, node) => samples.push({ node, ...sample(e.actors, e.journal) }));
    }
    expect(samples.length).toBeGreaterThan(20);
    const sessionStates = new Set<string>();
    let compared = 0;
    for (const s of samples) {
      for (const a of s.actors) {
        const r = histories[s.node]!.stateAt(a.key, s.seq);
        expect(r, `${a.key} at #${s.seq}`).not.toBeNull();
        expect(r!.value).toEqual(a.value);
        // The history attached before the run, so every context is known from its baseline or an entry.
        expect(r!.contextKnown).toBe(true);
        expect(r!.context).toEqual(a.context);
        if (a.key.startsWith('session:')) sessionStates.add(stateText(a.value));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
    // The run moved the sessions: time travel had something to reconstruct.
    expect(sessionStates.size).toBeGreaterThan(1);
    for (const h of histories) h.close();
  });

  it('knows the state (not the context) before its baseline from the next entry', async () => {
    const demo = await demoNetwork({ seed: 12 });
    const alice = demo.alice.node.engine;
    demo.sim.runFor(20_000);
    const h = new NodeHistory(alice);
    for (const key of h.actorKeys()) {
      const seqs = h.seqsOf(key);
      if (seqs.length === 0) continue;
      const first = h.entry(seqs[0]!)!;
      const before = h.stateAt(key, first.seq - 1)!;
      expect(before.value).toEqual(first.from);
      expect(before.contextKnown).toBe(false);
      expect(before.last).toBeNull();
    }
    h.close();
  });
});

describe('NodeHistory on a small journal ring', () => {
  it('matches the actor at every kept point while old entries drop out', () => {
    fc.assert(
      fc.property(friendSessionEvents(40, 250), (events) => {
        const journal = new Journal(32);
        const actors = new Actors(journal);
        const key = `session:${FRIEND}`;
        actors.create(key, 'friendSession', { friendPk: FRIEND, now: 0 });
        const h = new NodeHistory({ journal, actors });
        const samples: Sample[] = [sample(actors, journal)];
        for (const e of events) {
          actors.deliver(key, e);
          samples.push(sample(actors, journal));
        }
        // One entry for the actor's creation, then one per event.
        expect(journal.dropped).toBe(Math.max(0, events.length + 1 - 32));
        expect(h.seqsOf(key)).toEqual(Array.from({ length: Math.min(32, events.length + 1) }, (_, i) => h.firstSeq + i));
        let checked = 0;
        for (const s of samples) {
          if (s.seq < h.firstSeq - 1) continue; // before the ring: unknowable
          const r = h.stateAt(key, s.seq)!;
          expect(r.value).toEqual(s.actors[0]!.value);
          if (r.contextKnown) expect(r.context).toEqual(s.actors[0]!.context);
          // Only the point just before the oldest kept entry lacks its context.
          if (s.seq >= h.firstSeq) expect(r.contextKnown).toBe(true);
          checked++;
        }
        expect(checked).toBeGreaterThan(0);
        h.close();
      }),
      { numRuns: 40 },
    );
  });
});
