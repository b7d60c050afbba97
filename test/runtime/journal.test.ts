/**
 * The journal ring (runtime/journal.ts): entries keep every field but the context when the
 * journal keeps no contexts (built without it, not deleted afterwards), and the ring drops the
 * oldest entries past its capacity.
 */
import { describe, expect, it } from 'vitest';
import { Journal } from '../../runtime/journal.js';

const entry = (t: number) => ({
  t,
  actor: 'a',
  machine: 'connect' as const,
  event: { type: 'tick', now: t },
  from: 'X',
  to: 'Y',
  transition: null,
  outputs: [],
  context: { n: t },
  next: null,
});

describe('Journal', () => {
  it('keeps contexts when asked to, and leaves the field out entirely when not', () => {
    const withCtx = new Journal(10, true).append(entry(1));
    expect(withCtx.context).toEqual({ n: 1 });
    const without = new Journal(10, false).append(entry(1));
    expect('context' in without).toBe(false);
    expect(Object.keys(without)).toEqual(['seq', 't', 'actor', 'machine', 'event', 'from', 'to', 'transition', 'outputs', 'next']);
    expect(without).toMatchObject({ seq: 1, t: 1, actor: 'a', from: 'X', to: 'Y', transition: null, next: null });
  });

  it('is a ring: past its capacity the oldest entries go and are counted', () => {
    const j = new Journal(3, false);
    for (let t = 1; t <= 5; t++) j.append(entry(t));
    expect(j.size).toBe(3);
    expect(j.dropped).toBe(2);
    expect(j.since(0).map((e) => e.t)).toEqual([3, 4, 5]);
    expect(j.since(4).map((e) => e.seq)).toEqual([5]);
  });
});
