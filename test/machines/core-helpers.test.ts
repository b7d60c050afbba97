/**
 * The state core's generic helpers on shapes the five machines do not use (found by mutation
 * testing, docs/mutation.md): guard texts of every kind, a transition on the machine itself,
 * nested states in the generated docs and diagram, actions that are not emits, the root flag of
 * a state view, and the xstate version the adapter was verified with.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { and, emit, setup } from 'xstate';
import { describeMachine, renderMachinesMarkdown, renderMermaid } from '../../machines/describe.js';
import type { MachineSpec } from '../../machines/index.js';
import { allTransitions, guardText, start, step } from '../../machines/step.js';
import { stateNodeView, XSTATE_VERIFIED_VERSION } from '../../machines/xstate-adapter.js';

const tiny = setup({ guards: { g: () => true, h: () => true }, actions: { resetIt: () => {}, obj: () => {}, out: emit({ type: 'x.out' }) } }).createMachine({
  id: 'tiny',
  initial: 'A',
  on: { reset: { target: '.A', actions: ['resetIt'] } },
  states: {
    A: { description: 'pipe | and\nnewline', on: { go: { target: 'B', guard: 'g', actions: [{ type: 'obj' }, function named() {}, () => {}, 'out'] }, jump: 'B.B2' } },
    B: { initial: 'B1', states: { B1: { on: { next: 'B2', out: '#tiny.A', out2: '#tiny.A' } }, B2: {} }, on: { back: 'A' } },
  },
});
const spec = { name: 'tiny', machine: tiny, taskPrefix: null, nextDeadline: () => null, outputsByAction: { out: 'x.out' } } as unknown as MachineSpec;

describe('guardText', () => {
  it('names a guard of every kind', () => {
    expect(guardText(undefined)).toBeNull();
    expect(guardText(null)).toBeNull();
    expect(guardText('isDue')).toBe('isDue');
    expect(guardText({ type: 'isDue', params: {} })).toBe('isDue');
    expect(guardText(function isFresh() {})).toBe('isFresh');
    expect(guardText(Object.defineProperty(() => true, 'name', { value: '' }))).toBe('inline');
    expect(guardText(and(['g', 'h']))).toBe('and(g, h)');
    expect(guardText(Object.assign(Object.defineProperty(() => true, 'name', { value: undefined }), { guards: ['g'] }))).toBe('guard(g)');
    expect(guardText(42)).toBe('guard');
  });
});

describe('a machine with a transition on itself and nested states', () => {
  it('lists the root transition with the machine as its source, and its actions', () => {
    expect(allTransitions(tiny)[0]).toMatchObject({ id: 'tiny|reset|0', source: 'tiny', targets: ['A'] });
    const d = describeMachine(spec);
    expect(d.transitions.map((t) => [t.id, t.actions, t.outputs])).toEqual([
      ['tiny|reset|0', ['resetIt'], []],
      ['A|go|0', ['obj', 'named', 'inline', 'out'], ['x.out']],
      ['A|jump|0', [], []],
      ['B|back|0', [], []],
      ['B.B1|next|0', [], []],
      ['B.B1|out|0', [], []],
      ['B.B1|out2|0', [], []],
    ]);
    expect(d.states).toEqual([
      { id: 'A', description: 'pipe | and\nnewline', initial: true, children: [] },
      { id: 'B', description: null, initial: false, children: ['B.B1', 'B.B2'] },
      { id: 'B.B1', description: null, initial: true, children: [] },
      { id: 'B.B2', description: null, initial: false, children: [] },
    ]);
  });

  it('draws nested states inside their parent and edges in their scope', () => {
    expect(renderMermaid(spec)).toBe(
      ['stateDiagram-v2', '  [*] --> A', '  state B {', '    [*] --> B1', '    B1 --> B2: next', '  }', '  tiny --> A: reset', '  A --> B: go [g]', '  A --> B2: jump', '  B --> A: back', '  B1 --> A: out, out2'].join('\n'),
    );
  });

  it('renders the tables with escaped cells and empty descriptions', () => {
    const md = renderMachinesMarkdown([spec]);
    expect(md).toContain('## tiny\n\n\n\n```mermaid');
    expect(md).toContain('| `A` | yes | pipe \\| and newline |');
    expect(md).toContain('| `B` |  |  |');
    expect(md).toContain('| `A` | `go` | `g` | `B` | `x.out` |  |');
    expect(md).toContain('| `tiny` | `reset` |  | `A` |  |  |');
  });
});

describe('the xstate adapter', () => {
  it('outputs only what emit actions carried, not other actions', () => {
    const r = step(tiny, start(tiny, {}).snapshot, { type: 'go' });
    expect(r.outputs).toEqual([{ type: 'x.out' }]);
  });

  it('marks only the machine itself as the root of a state view', () => {
    expect(stateNodeView(tiny, 'tiny').isRoot).toBe(true);
    expect(stateNodeView(tiny, 'tiny.B').isRoot).toBe(false);
  });

  it('was verified with the installed xstate', () => {
    const installed = (createRequire(import.meta.url)('xstate/package.json') as { version: string }).version;
    expect(XSTATE_VERIFIED_VERSION).toBe(installed);
  });
});
