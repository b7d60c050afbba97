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

describe('generated architecture diagram', () => {
  it('the README diagram matches the code (run `npm run docs:machines` if not)', async () => {
    const { withArchitecture } = await import('../../scripts/architecture.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('<!-- diagram:start');
    expect(withArchitecture(readme)).toBe(readme);
  });

  it('every output of every machine is executed by a layer, and the engine routes each one', async () => {
    const { OUTPUT_LAYER, actorKeys } = await import('../../runtime/engine.js');
    const { makeEngine } = await import('../runtime/helpers.js');
    const engine = await makeEngine(77);
    engine.start(0);
    const friend = engine.addFriend(0, new Uint8Array(32).fill(9), { status: 'added', requestMessage: 'hi' });
    const route = (engine as unknown as { route(key: string, machine: string, out: Record<string, unknown>): void }).route.bind(engine);
    for (const spec of Object.values(machineSpecs)) {
      for (const output of new Set(Object.values(spec.outputsByAction))) {
        expect(OUTPUT_LAYER[output], `${spec.name} emits ${output}`).toBeDefined();
        const key = spec.name === 'toxidAnnounce' ? actorKeys.announce('ipv4', engine.selfHex) : actorKeys.session(friend.pkHex);
        route(key, spec.name, { type: output, dhtKey: 'aa'.repeat(32), address: '127.0.0.1:1', mode: 'searching', node: 'bb'.repeat(32), friendDhtKey: 'aa'.repeat(32), reason: 'test', sendKill: false, round: 1 });
      }
    }
    expect(engine.counters.sum('error.unrouted_output')).toBe(0);
  });
});
