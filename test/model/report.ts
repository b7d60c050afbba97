/**
 * `npm run test:model`: runs the model-based traversal of every machine and prints one line per
 * machine, `<machine>: covered X/Y transitions`, then any transition not walked and any step
 * where a machine disagreed with its oracle. Exits non-zero on a gap or a disagreement.
 */
import { runModel } from './harness.js';
import { modelConfigs } from './configs.js';

let bad = false;
for (const [name, config] of Object.entries(modelConfigs)) {
  const r = runModel(config);
  console.log(`${name}: covered ${r.walked.size}/${r.all.length} transitions`);
  for (const m of r.missing) console.log(`  not walked: ${m.id}${m.guard ? ` [${m.guard}]` : ''}`);
  for (const f of r.failures) console.log(`  oracle disagrees: ${f}`);
  if (r.missing.length || r.failures.length) bad = true;
}
process.exit(bad ? 1 : 0);
