/**
 * Model-based tests: every reachable transition of every machine is walked by paths that
 * xstate/graph generates, each step checked against an independent oracle; a coverage check
 * fails, by name, on any transition of a machine definition that no path walked.
 */
import { describe, expect, it } from 'vitest';
import { createMachine, type AnyStateMachine } from 'xstate';
import { allTransitions, machineSpecs, type MachineName } from '../../machines/index.js';
import { runModel, type ModelReport } from './harness.js';
import { modelConfigs } from './configs.js';
import { coreMachineSelected, coreModelSelected } from './selection.js';

for (const [name, config] of Object.entries(modelConfigs)) {
  describe.runIf(coreModelSelected(name as MachineName))(`${name} (model-based)`, () => {
    // Run inside the first test (not while collecting), so that a mutation run sees which test covers what.
    let cached: ModelReport | undefined;
    const model = (): ModelReport => (cached ??= runModel(config));

    it('agrees with the oracle at every step of every generated path', () => {
      const report = model();
      expect(report.steps).toBeGreaterThan(report.all.length);
      expect(report.failures).toEqual([]);
    });

    it('walks every transition of the definition', () => {
      const report = model();
      const missing = report.missing.map((t) => `${t.id}${t.guard ? ` [${t.guard}]` : ''}`);
      expect(missing, `transitions never walked in ${name}`).toEqual([]);
      expect(report.walked.size).toBe(report.all.length);
    });

    // One test per transition, named `<machine> <transition id>`: the conformance report cites
    // these for each state a rule applies in, and says passed only when every one passed.
    for (const t of allTransitions(config.spec.machine)) {
      it(`${name} ${t.id}: walked, and agrees with the model on every step that took it`, () => {
        const report = model();
        expect(report.walked.has(t.id), `${t.id} never walked`).toBe(true);
        expect(report.failuresByTransition.get(t.id) ?? []).toEqual([]);
      });
    }
  });
}

/**
 * The harness itself: each hole issue 15 found (a mutant that every test let through) is shown
 * closed by running the harness on that mutant and expecting it to fail.
 */
describe('the model harness catches the mutants that once slipped through', () => {
  const mutant = (m: AnyStateMachine, change: (config: Record<string, unknown>) => Record<string, unknown>): AnyStateMachine =>
    createMachine(change({ ...(m.config as Record<string, unknown>) }) as never, m.implementations as never) as AnyStateMachine;

  it.runIf(coreModelSelected('toxidAnnounce'))('a machine that starts in the wrong state (toxidAnnounce in Announcing)', () => {
    const spec = { ...machineSpecs.toxidAnnounce, machine: mutant(machineSpecs.toxidAnnounce.machine, (c) => ({ ...c, initial: 'Announcing' })) };
    const r = runModel({ ...modelConfigs.toxidAnnounce, spec });
    expect(r.failures.join('\n')).toMatch(/initial snapshot: state "Announcing" ≠ expected "Offline"/);
  });

  it('a nextDeadline that answers null where a timer can fire (connect, toxidAnnounce)', () => {
    for (const name of (['connect', 'toxidAnnounce'] as const).filter(coreModelSelected)) {
      const spec = { ...machineSpecs[name], nextDeadline: () => null };
      const r = runModel({ ...modelConfigs[name], spec });
      expect(r.failures.join('\n'), name).toMatch(/no deadline, but a tick at \+\d+ ms fired/);
    }
  });

  it.runIf(coreModelSelected('friendRequest'))('a value the model must compute, not copy (the friend-request timeout 5 s → 10 s)', () => {
    const machine = mutant(machineSpecs.friendRequest.machine, (c) => ({
      ...c,
      context: (a: { input: { friendPk: string; now: number } }) => ({ ...(c['context'] as (a: unknown) => object)(a), timeoutMs: 10_000 }),
    }));
    const r = runModel({ ...modelConfigs.friendRequest, spec: { ...machineSpecs.friendRequest, machine } });
    expect(r.failures.join('\n')).toMatch(/context\.timeoutMs = 10000 ≠ expected 5000/);
    expect(r.failures.join('\n')).toMatch(/context\.resendAt = \d+ ≠ expected \d+/);
  });
});
