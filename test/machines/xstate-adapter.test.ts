/**
 * The assumptions machines/xstate-adapter.ts makes about XState internals, each checked on a
 * small machine against the installed xstate. An upgrade that changes one fails here by name,
 * before the state core, the journal or the inspector silently misbehave.
 */
import { createRequire } from 'node:module';
import { assign, emit, initialTransition, setup, transition, type AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  EMIT_ACTION_TYPE,
  emittedEvents,
  pureInitialTransition,
  pureTransition,
  resolveSnapshot,
  runNamedGuard,
  selectedTransitions,
  stateNodeView,
  stateTree,
  XSTATE_VERIFIED_VERSION,
} from '../../machines/xstate-adapter.js';

const installed = (createRequire(import.meta.url)('xstate/package.json') as { version: string }).version;

type Ev = { type: 'go'; now: number } | { type: 'tick'; now: number };

const probe = setup({
  types: { context: {} as { n: number; due: number }, events: {} as Ev, input: {} as { due: number } },
  guards: { isDue: ({ context, event }) => event.now >= context.due },
  actions: {
    announce: emit({ type: 'out.started' as const }),
    count: assign({ n: ({ context }) => context.n + 1 }),
    tell: emit(({ context }) => ({ type: 'out.counted' as const, n: context.n })),
  },
}).createMachine({
  id: 'probe',
  description: 'a probe',
  context: ({ input }) => ({ n: 0, due: input.due }),
  initial: 'Idle',
  entry: 'announce',
  states: {
    Idle: {
      description: 'waiting',
      on: {
        go: { target: 'Busy', actions: ['count', 'tell'], description: 'start' },
        tick: [{ guard: 'isDue', target: 'Busy' }, { actions: 'count' }],
      },
    },
    Busy: { initial: 'Inner', states: { Inner: {} } },
  },
});

const first = (): AnyMachineSnapshot => pureInitialTransition(probe, { due: 100 })[0];

describe(`the XState internals the state core relies on (installed ${installed}, verified with ${XSTATE_VERIFIED_VERSION})`, () => {
  it('emit(...) resolves to an action of type "xstate.emit" carrying the event in params.event, collected by our scope', () => {
    const [, actions] = pureTransition(probe, first(), { type: 'go', now: 0 } as never);
    expect(actions.map((a) => a.type)).toContain(EMIT_ACTION_TYPE);
    expect(emittedEvents(actions)).toEqual([{ type: 'out.counted', n: 1 }]);
  });

  it('the initial snapshot runs entry actions through the same scope', () => {
    const [snap, actions] = pureInitialTransition(probe, { due: 100 });
    expect(snap.value).toBe('Idle');
    expect(snap.context).toEqual({ n: 0, due: 100 });
    expect(emittedEvents(actions)).toEqual([{ type: 'out.started' }]);
  });

  it("our reused scope gives the same snapshots and actions as xstate's public transition() and initialTransition()", () => {
    const [mine] = pureInitialTransition(probe, { due: 100 });
    const [theirs, theirActions] = initialTransition(probe, { due: 100 });
    expect(mine.value).toEqual(theirs.value);
    expect(mine.context).toEqual(theirs.context);
    expect(emittedEvents(theirActions as never)).toEqual([{ type: 'out.started' }]);
    for (const e of [{ type: 'go', now: 0 }, { type: 'tick', now: 50 }, { type: 'tick', now: 100 }] as const) {
      const [a, aActions] = pureTransition(probe, mine, e);
      const [b, bActions] = transition(probe, theirs, e);
      expect(a.value).toEqual(b.value);
      expect(a.context).toEqual(b.context);
      expect(emittedEvents(aActions)).toEqual(emittedEvents(bActions as never));
    }
  });

  it('a pure transition leaves the snapshot it started from unchanged', () => {
    const s = first();
    pureTransition(probe, s, { type: 'go', now: 0 } as never);
    expect(s.value).toBe('Idle');
    expect(s.context).toEqual({ n: 0, due: 100 });
  });

  it('getTransitionData selects the transition XState would take, in document order, and nothing for an ignored event', () => {
    const s = first();
    expect(selectedTransitions(probe, s, { type: 'tick', now: 100 } as never).map((t) => [t.sourceId, t.eventType, t.index, t.guard])).toEqual([['probe.Idle', 'tick', 0, 'isDue']]);
    expect(selectedTransitions(probe, s, { type: 'tick', now: 50 } as never).map((t) => t.index)).toEqual([1]);
    const busy = pureTransition(probe, s, { type: 'go', now: 0 } as never)[0];
    expect(selectedTransitions(probe, busy, { type: 'go', now: 0 } as never)).toEqual([]);
  });

  it('state nodes: ids "<machine>.<path>", keys, descriptions, the initial child, children and transitions with their targets, actions and descriptions', () => {
    const root = stateTree(probe);
    expect(root.isRoot).toBe(true);
    expect(root.id).toBe('probe');
    expect(root.description).toBe('a probe');
    expect(root.initialChild).toBe('Idle');
    expect(root.children.map((c) => c.id)).toEqual(['probe.Idle', 'probe.Busy']);
    const idle = root.children[0]!;
    expect(idle.key).toBe('Idle');
    expect(idle.description).toBe('waiting');
    expect(idle.transitions.map((t) => [t.eventType, t.index, t.targetIds, t.description])).toEqual([
      ['go', 0, ['probe.Busy'], 'start'],
      ['tick', 0, ['probe.Busy'], null],
      ['tick', 1, [], null],
    ]);
    const names = idle.transitions[0]!.actions.map((a) => (typeof a === 'string' ? a : (a as { type?: string }).type));
    expect(names).toEqual(['count', 'tell']);
    expect(root.children[1]!.initialChild).toBe('Inner');
    expect(stateNodeView(probe, 'probe.Busy.Inner').key).toBe('Inner');
  });

  it('a snapshot rebuilt from a value and a context, and a named guard run on a context', () => {
    const s = resolveSnapshot(probe, 'Idle', { n: 3, due: 10 });
    expect(s.value).toBe('Idle');
    expect(s.context).toEqual({ n: 3, due: 10 });
    expect(runNamedGuard(probe, 'isDue', { n: 0, due: 10 }, { type: 'tick', now: 10 } as never)).toBe(true);
    expect(runNamedGuard(probe, 'isDue', { n: 0, due: 10 }, { type: 'tick', now: 9 } as never)).toBe(false);
    expect(() => runNamedGuard(probe, 'nope', {}, { type: 'tick' } as never)).toThrow(/no guard named nope/);
  });
});
