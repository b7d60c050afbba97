/**
 * `npm run test:mutation`, first half: Stryker over machines/ (stryker.config.json), one run per
 * group of files, each group's mutants tested against the state-core tests of the machines it
 * belongs to (TOXSTATE_CORE_MACHINES, test/model/selection.ts). A mutant in a statechart
 * definition is evaluated when the module loads, so Stryker cannot tell which test covers it and
 * runs every selected test for it; selecting per machine keeps a run to minutes instead of hours.
 * The shared files (step, the xstate adapter, describe, types, constants, index) are tested
 * against every machine's tests, less the friendSession traversal.
 *
 * Each group writes reports/mutation/<group>.json; scripts/mutation-report.ts merges them.
 *
 *   tsx scripts/mutation-run.ts [--only group,group] [--mutate file,file] [--concurrency N]
 *
 * --mutate narrows the groups to those files (reports/mutation/<group>-<n>.json); the report
 * takes each file from the newest JSON that has it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Stryker } from '@stryker-mutator/core';

const ROOT = join(import.meta.dirname, '..');

export interface MutationGroup {
  readonly name: string;
  readonly mutate: readonly string[];
  /** Machine names whose tests run (empty: all). */
  readonly machines: readonly string[];
  /** Machine names whose model-based traversal runs (absent: those of `machines`). */
  readonly models?: readonly string[];
}

export const MUTATION_GROUPS: readonly MutationGroup[] = [
  { name: 'connect', mutate: ['machines/connect.ts'], machines: ['connect'] },
  { name: 'dhtkeyShare', mutate: ['machines/dhtkey-share.ts'], machines: ['dhtkeyShare'] },
  { name: 'toxidAnnounce', mutate: ['machines/toxid-announce.ts'], machines: ['toxidAnnounce'] },
  { name: 'friendRequest', mutate: ['machines/friend-request.ts'], machines: ['friendRequest'] },
  { name: 'tcpRelay', mutate: ['machines/tcp-relay.ts'], machines: ['tcpRelay'] },
  { name: 'friendSession', mutate: ['machines/friend-session.ts', 'machines/friend-session-rules.ts', 'machines/friend-session-facts.ts'], machines: ['friendSession'] },
  {
    name: 'shared',
    mutate: ['machines/step.ts', 'machines/xstate-adapter.ts', 'machines/describe.ts', 'machines/types.ts', 'machines/constants.ts', 'machines/index.ts'],
    machines: [],
    // Every test but the friendSession traversal (most of a minute per mutant); friendSession's
    // seed scenarios and property tests still run.
    models: ['connect', 'dhtkeyShare', 'toxidAnnounce', 'friendRequest', 'tcpRelay'],
  },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const only = arg('only')?.split(',');
  const narrow = arg('mutate')?.split(',');
  const concurrency = Number(arg('concurrency') ?? 1);
  const groups = MUTATION_GROUPS.filter((g) => !only || only.includes(g.name));
  if (groups.length === 0) throw new Error(`no such group: ${only?.join(', ')} (groups: ${MUTATION_GROUPS.map((g) => g.name).join(', ')})`);
  mkdirSync(join(ROOT, 'reports', 'mutation'), { recursive: true });
  for (const group of groups) {
    const g = narrow ? { ...group, mutate: group.mutate.filter((f) => narrow.includes(f)) } : group;
    if (g.mutate.length === 0) continue;
    const started = Date.now();
    console.log(`== ${g.name}: ${g.mutate.join(', ')} against ${g.machines.length ? g.machines.join(', ') : 'every machine'}'s tests`);
    process.env['TOXSTATE_CORE_MACHINES'] = g.machines.join(',');
    process.env['TOXSTATE_CORE_MODELS'] = (g.models ?? []).join(',');
    const stryker = new Stryker({
      configFile: join(ROOT, 'stryker.config.json'),
      mutate: [...g.mutate],
      concurrency,
      jsonReporter: { fileName: `reports/mutation/${g.name}${narrow ? `-${Date.now()}` : ''}.json` },
      reporters: ['json', 'progress'],
    });
    const results = await stryker.runMutationTest();
    console.log(`== ${g.name}: ${results.length} mutants in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  delete process.env['TOXSTATE_CORE_MACHINES'];
  delete process.env['TOXSTATE_CORE_MODELS'];
}

await main();
