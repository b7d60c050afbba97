/**
 * Which machines the state-core tests cover in this run. All of them, unless
 * TOXSTATE_CORE_MACHINES names some (comma-separated machine names): the mutation run
 * (scripts/mutation.ts) tests each machine's mutants against that machine's tests only, since a
 * mutant in a statechart definition is "static" to Stryker and would otherwise rerun every test.
 */
import type { MachineName } from '../../machines/index.js';

export function coreMachineSelected(name: MachineName): boolean {
  const only = process.env['TOXSTATE_CORE_MACHINES'];
  if (only === undefined || only.trim() === '') return true;
  return only.split(',').map((s) => s.trim()).includes(name);
}
