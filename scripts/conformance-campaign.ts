/**
 * The conformance campaign (issue 16): real peers on loopback — two c-toxcore 0.2.18, two
 * c-toxcore 0.2.23, toxstate with each — clean, with 10 % loss, with a restart and with a peer
 * frozen for 40 s (harness/campaign/), every capture checked by the conformance monitor
 * (`toxstate check`), and docs/conformance-campaign.md written: per scenario the outcome, each
 * side's timeline, and every violation or deviation with what was done about it
 * (conformance/campaign-resolutions.ts). A finding without a resolution is printed UNRESOLVED and
 * makes the run exit 1; toxstate's own traffic must check clean.
 *
 *   npm run conformance:campaign                      run every scenario (≈ 20 min), check, write
 *   npx tsx scripts/conformance-campaign.ts --captures reports/campaign   check captures already made
 *   … --only NAME,…   … --out FILE
 *
 * Bounded: each scenario has a hard timeout (harness/campaign/scenarios.ts); nothing leaves loopback.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeAllPeers } from '../harness/interop/cpeer.js';
import { closeAllTPeers } from '../harness/interop/tpeer.js';
import { CAMPAIGN_SCENARIOS, runScenario } from '../harness/campaign/scenarios.js';
import { checkFile } from '../cli/commands/check.js';
import type { CheckReport } from '../conformance/monitor/check.js';
import { summaryOf } from '../conformance/monitor/format.js';
import { resolutionOf } from '../conformance/campaign-resolutions.js';
import { renderCampaign, type CheckedScenario } from '../conformance/campaign-report.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { captures: { type: 'string' }, only: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  if (values.help) {
    console.log('usage: npx tsx scripts/conformance-campaign.ts [--captures DIR] [--only NAME,...] [--out FILE]');
    console.log(`scenarios: ${CAMPAIGN_SCENARIOS.map((s) => s.name).join(', ')}`);
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const specs = only ? CAMPAIGN_SCENARIOS.filter((s) => only.includes(s.name)) : CAMPAIGN_SCENARIOS;
  if (only && specs.length !== only.length) {
    console.error(`unknown scenario in --only; known: ${CAMPAIGN_SCENARIOS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const dir = path.resolve(values.captures ?? path.join('reports', 'campaign'));
  const out = path.resolve(values.out ?? path.join('docs', 'conformance-campaign.md'));
  await mkdir(dir, { recursive: true });
  const started = Date.now();
  const checked: CheckedScenario[] = [];
  let unresolved = 0;
  for (const spec of specs) {
    const sdir = path.join(dir, spec.name);
    if (values.captures === undefined) {
      const r = await runScenario(spec, sdir);
      if (r.status === 'skipped') {
        console.log(`${spec.name.padEnd(36)} SKIPPED: ${r.reason}`);
        checked.push({ name: spec.name, spec, skipped: r.reason ?? 'skipped', scenario: null, report: null });
        continue;
      }
    }
    const scenarioFile = path.join(sdir, 'scenario.json');
    if (!existsSync(scenarioFile)) {
      console.log(`${spec.name.padEnd(36)} no capture in ${sdir}`);
      checked.push({ name: spec.name, spec, skipped: `no capture in ${path.relative(process.cwd(), sdir)}`, scenario: null, report: null });
      continue;
    }
    const scenario = JSON.parse(await readFile(scenarioFile, 'utf8')) as Record<string, unknown>;
    if (scenario.status === 'skipped') {
      checked.push({ name: spec.name, spec, skipped: String(scenario.reason ?? 'skipped'), scenario, report: null });
      console.log(`${spec.name.padEnd(36)} SKIPPED: ${String(scenario.reason ?? '')}`);
      continue;
    }
    let report: CheckReport;
    try {
      report = (await checkFile(path.join(sdir, 'capture.pcap'), [path.join(sdir, 'alice.tox'), path.join(sdir, 'bob.tox')], undefined, 'check')).report;
    } catch (e) {
      console.log(`${spec.name.padEnd(36)} cannot check: ${e instanceof Error ? e.message : String(e)}`);
      checked.push({ name: spec.name, spec, skipped: `cannot check: ${e instanceof Error ? e.message : String(e)}`, scenario, report: null });
      continue;
    }
    const s = summaryOf(report);
    const open = report.findings.filter((f) => resolutionOf(spec.name, f) === null);
    unresolved += open.length;
    console.log(`${spec.name.padEnd(36)} ${s.pairs} pair, ${s.violations} violations, ${s.deviations} deviations, ${s.presumedLost} presumed lost${open.length > 0 ? `, ${open.length} UNRESOLVED` : ''}`);
    for (const f of open) console.log(`  UNRESOLVED [${f.rule}] ${f.kind} at ${(f.t / 1000).toFixed(3)} s: ${f.expected} / ${f.observed}`);
    checked.push({ name: spec.name, spec, skipped: null, scenario, report });
  }
  closeAllPeers();
  closeAllTPeers();
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
  await writeFile(out, renderCampaign(checked, { date: new Date().toISOString().slice(0, 10), machine, durationS: Math.round((Date.now() - started) / 1000), checkedOnly: values.captures !== undefined }));
  console.log(`wrote ${path.relative(process.cwd(), out)}${unresolved > 0 ? ` — ${unresolved} findings UNRESOLVED` : ''}`);
  return unresolved > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(2);
  },
);
