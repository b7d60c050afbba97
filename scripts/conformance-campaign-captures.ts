/**
 * The capture half of the conformance campaign (issue 16): runs every scenario of
 * harness/campaign/scenarios.ts one after another on loopback and writes each into its own
 * directory — capture.pcap, alice.tox, bob.tox, events.jsonl, scenario.json — plus an index.
 *
 *   npx tsx scripts/conformance-campaign-captures.ts [--out DIR] [--only NAME,...]
 *
 * DIR defaults to reports/campaign/ (git-ignored). One progress line per scenario. Each scenario
 * has a hard timeout (60–130 s), so the whole campaign stays well under 30 minutes. c-toxcore
 * 0.2.23 is found under $TOXSTATE_CTOXCORE_0223_PREFIX (default /opt/c-toxcore-0.2.23); without
 * it those scenarios are reported SKIPPED and the others still run. Exit code: 0 when every
 * scenario ran (connected or not) or was skipped, 1 when one ended in an error, 2 on bad arguments.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeAllPeers } from '../harness/interop/cpeer.js';
import { closeAllTPeers } from '../harness/interop/tpeer.js';
import { CAMPAIGN_SCENARIOS, runScenario, type ScenarioResult } from '../harness/campaign/scenarios.js';

function line(r: ScenarioResult): string {
  const name = r.name.padEnd(36);
  const took = `${(r.durationMs / 1000).toFixed(1).padStart(5)} s`;
  if (r.status === 'skipped') return `${name} ${took}  ${r.reason ?? 'SKIPPED'}`;
  const o = r.outcome;
  const parts = [o.connected ? `online ${o.connectS?.toFixed(2)} s` : 'NOT CONNECTED'];
  if (o.messagesBefore) parts.push(`msgs ${o.messagesBefore.bobToAlice && o.messagesBefore.aliceToBob ? 'ok' : 'lost'}`);
  if (o.reconnected !== undefined) parts.push(o.reconnected ? `reconnected ${o.reconnectS?.toFixed(2)} s` : 'NOT RECONNECTED');
  if (o.otherSawOfflineS !== undefined) parts.push(`offline seen after ${o.otherSawOfflineS.toFixed(1)} s`);
  const cap = r.captureSummary ? `${r.captureSummary.datagrams} datagrams, ${(r.captureSummary.bytes / 1024).toFixed(0)} KiB` : '';
  return `${name} ${took}  ${r.status === 'error' ? `ERROR (${r.reason}) ` : ''}${parts.join(', ')}; ${cap}`;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 2;
  }
  if (args.values.help === true) {
    console.log('usage: npx tsx scripts/conformance-campaign-captures.ts [--out DIR] [--only NAME,...]');
    console.log(`scenarios: ${CAMPAIGN_SCENARIOS.map((s) => s.name).join(', ')}`);
    return 0;
  }
  const out = path.resolve(args.values.out ?? path.join('reports', 'campaign'));
  const only = args.values.only?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = (only ?? []).filter((n) => !CAMPAIGN_SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${CAMPAIGN_SCENARIOS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const specs = only === undefined ? CAMPAIGN_SCENARIOS : CAMPAIGN_SCENARIOS.filter((s) => only.includes(s.name));
  await mkdir(out, { recursive: true });
  console.log(`conformance campaign: ${specs.length} scenarios into ${out}`);
  const started = performance.now();
  const results: ScenarioResult[] = [];
  for (const spec of specs) {
    const r = await runScenario(spec, path.join(out, spec.name));
    results.push(r);
    console.log(line(r));
  }
  const index = {
    date: new Date().toISOString(),
    durationS: Math.round(performance.now() - started) / 1000,
    scenarios: results.map((r) => ({
      name: r.name,
      dir: path.relative(out, r.paths.dir),
      status: r.status,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      connected: r.outcome.connected,
      connectS: r.outcome.connectS,
      reconnected: r.outcome.reconnected,
      reconnectS: r.outcome.reconnectS,
      datagrams: r.captureSummary?.datagrams,
      bytes: r.captureSummary?.bytes,
    })),
  };
  await writeFile(path.join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  console.log(`done in ${index.durationS.toFixed(0)} s; index at ${path.join(out, 'index.json')}`);
  return results.some((r) => r.status === 'error') ? 1 : 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch(async (e: unknown) => {
    console.error(e);
    await closeAllTPeers();
    await closeAllPeers();
    process.exitCode = 1;
  });
