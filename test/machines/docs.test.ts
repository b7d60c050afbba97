/** docs/machines.md is generated from the machines; it must never drift from them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machineSpecs } from '../../machines/index.js';
import { describeMachine, renderMachinesMarkdown } from '../../machines/describe.js';

describe('generated machine documentation', () => {
  it('docs/machines.md matches the machine definitions (run `npm run docs:machines` if not)', () => {
    const onDisk = readFileSync(new URL('../../docs/machines.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderMachinesMarkdown(Object.values(machineSpecs)));
  });

  it('lists every transition with its outputs', () => {
    const d = describeMachine(machineSpecs.friendSession);
    const cookieTimeout = d.transitions.find((t) => t.source === 'AcquiringCookie' && t.event === 'tick' && t.guard === 'isPhaseExhausted');
    expect(cookieTimeout?.targets).toEqual(['AcquiringIPAddress']);
    expect(cookieTimeout?.outputs).toEqual(['session.close']);
    for (const spec of Object.values(machineSpecs)) {
      for (const t of describeMachine(spec).transitions) expect(t.description, `${spec.name} ${t.id} has a description`).toBeTruthy();
      for (const s of describeMachine(spec).states) expect(s.description, `${spec.name} ${s.id} has a description`).toBeTruthy();
    }
  });

  it('every ToxProgress value of the seed is a state of friendSession, in order', async () => {
    const { TOX_PROGRESS } = await import('../../machines/index.js');
    const states = describeMachine(machineSpecs.friendSession).states.map((s) => s.id);
    expect(states.slice(0, 5)).toEqual([...TOX_PROGRESS]);
    expect(states[5]).toBe('Established');
  });
});
