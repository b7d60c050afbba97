/**
 * Candidate transitions: the guard verdicts the inspector shows for a tick agree with what
 * `step()` does with that tick, for every machine, on random and on real (journaled) states.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { machineSpecs, start, step, type MachineName } from '../../machines/index.js';
import { candidates, evaluateGuard, resolveSnapshot, type Candidate } from '../../inspector/candidates.js';
import { demoNetwork, FRIEND, friendSessionEvents } from './helpers.js';

/** What the candidate list predicts for a tick: the first passing tick transition in XState's order. */
function predicted(list: readonly Candidate[]): string | null {
  return list.find((c) => c.event === 'tick' && (c.verdict === 'pass' || c.verdict === 'no guard'))?.id ?? null;
}

function checkTick(name: MachineName, value: unknown, context: unknown, now: number): string | null {
  const spec = machineSpecs[name];
  const list = candidates(name, value, context, true, now);
  const taken = step(spec.machine, resolveSnapshot(spec.machine, value, context), { type: 'tick', now }).taken?.id ?? null;
  expect(predicted(list), `${name} ${JSON.stringify(value)} at ${now}`).toBe(taken);
  expect(list.filter((c) => c.selected).map((c) => c.id)).toEqual(taken === null ? [] : [taken]);
  return taken;
}

describe('candidate transitions', () => {
  it('lists the transitions of the active states, deepest first', () => {
    const list = candidates('dhtkeyShare', { Active: 'Searching' }, null, false, 0);
    const sources = list.map((c) => c.source);
    expect(sources.indexOf('Active.Searching')).toBe(0);
    expect(sources.lastIndexOf('Active.Searching')).toBeLessThan(sources.indexOf('Active'));
    expect(new Set(sources)).toEqual(new Set(['Active.Searching', 'Active']));
    // Without a context nothing can be evaluated.
    expect(list.filter((c) => c.guard !== null && c.event === 'tick').every((c) => c.verdict === 'unknown')).toBe(true);
    // Guards of other events read the event's fields.
    const session = candidates('friendSession', 'AcquiringCookie', null, false, 0);
    expect(session.find((c) => c.event === 'dhtKey.learned' && c.guard === 'isSameDhtKey')?.verdict).toBe('depends on the event');
  });

  it('evaluates named guards from the machine implementation', () => {
    const m = machineSpecs.friendSession.machine;
    const ctx = { ...(start(m, { friendPk: FRIEND, now: 0 }).snapshot.context as object), resendAt: 1000, tries: 1 };
    expect(evaluateGuard(m, 'isResendDue', ctx, { type: 'tick', now: 999 })).toBe(false);
    expect(evaluateGuard(m, 'isResendDue', ctx, { type: 'tick', now: 1000 })).toBe(true);
    expect(() => evaluateGuard(m, 'noSuchGuard', ctx, { type: 'tick', now: 0 })).toThrow(/noSuchGuard/);
  });

  it('predicts the tick step() takes, on random friend sessions', () => {
    const spec = machineSpecs.friendSession;
    fc.assert(
      fc.property(friendSessionEvents(1, 60), fc.array(fc.integer({ min: 0, max: 140_000 }), { minLength: 1, maxLength: 6 }), (events, probes) => {
        let snap = start(spec.machine, { friendPk: FRIEND, now: 0 }).snapshot;
        for (const e of events) snap = step(spec.machine, snap, e).snapshot;
        const last = events[events.length - 1]!.now;
        for (const dt of probes) checkTick('friendSession', snap.value, snap.context, last + dt);
        const d = spec.nextDeadline(snap);
        if (d) for (const t of [d.at - 1, d.at, d.at + 1]) checkTick('friendSession', snap.value, snap.context, t);
      }),
      { numRuns: 200 },
    );
  });

  it('predicts the tick step() takes, on every state the demo journaled (all machines)', async () => {
    const demo = await demoNetwork({ seed: 5 });
    demo.sim.runFor(90_000);
    const seen = new Set<MachineName>();
    let taken = 0;
    let checked = 0;
    for (const e of demo.alice.node.engine.journal.since(0)) {
      seen.add(e.machine);
      const times = [e.t, e.t + 1];
      if (e.next) times.push(e.next.at - 1, e.next.at, e.next.at + 1);
      for (const t of times) {
        if (checkTick(e.machine, e.to, e.context, t) !== null) taken++;
        checked++;
      }
    }
    expect(seen).toEqual(new Set(['friendSession', 'toxidAnnounce', 'dhtkeyShare', 'connect']));
    expect(checked).toBeGreaterThan(100);
    // Both outcomes occur: guards passing at their deadline and failing before it.
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(checked);
  });
});
