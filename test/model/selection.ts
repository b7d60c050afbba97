/**
 * Which machines the state-core tests cover in this run. All of them, unless
 * TOXSTATE_CORE_MACHINES names some (comma-separated machine names): the mutation run
 * (scripts/mutation-run.ts) tests each machine's mutants against that machine's tests only, since
 * a mutant in a statechart definition is "static" to Stryker and would otherwise rerun every
 * test. TOXSTATE_CORE_MODELS, when set, narrows the model-based traversals further (the
 * friendSession traversal takes most of a minute; the shared files' run leaves it out).
 */
import type { MachineName } from '../../machines/index.js';

const listed = (variable: string, name: string): boolean => {
  const only = process.env[variable];
  if (only === undefined || only.trim() === '') return true;
  return only.split(',').map((s) => s.trim()).includes(name);
};

/** The machine's tests run in this run. */
export function coreMachineSelected(name: MachineName): boolean {
  return listed('TOXSTATE_CORE_MACHINES', name);
}

/** The machine's model-based traversal runs in this run. */
export function coreModelSelected(name: MachineName): boolean {
  return coreMachineSelected(name) && listed('TOXSTATE_CORE_MODELS', name);
}
