/**
 * Makes the golden capture of toxstate and c-toxcore 0.2.18 talking on loopback, for the
 * conformance monitor's tests. Run by hand, not by `npm test`:
 *
 *   npx tsx test/interop/make-golden-mixed-capture.ts [--out DIR]
 *
 * The campaign's clean scenario (harness/campaign/scenarios.ts: c-toxcore 0.2.18 "alice" accepts,
 * toxstate "bob" sends the request, a message each way) held for 50 s after both are online, so
 * the capture has a long established session (ALIVE every 8 s) for doctored copies to cut into.
 * Written to DIR (default test/fixtures/captures/) as toxstate-ctoxcore-0.2.18.pcap,
 * toxstate-ctoxcore-0.2.18-alice.tox (c-toxcore), toxstate-ctoxcore-0.2.18-bob.tox (toxstate) and
 * toxstate-ctoxcore-0.2.18.scenario.json.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runScenario } from '../../harness/campaign/scenarios.js';
import { closeAllPeers } from '../../harness/interop/cpeer.js';
import { closeAllTPeers } from '../../harness/interop/tpeer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PREFIX = 'toxstate-ctoxcore-0.2.18';

const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
const out = path.resolve(values.out ?? path.join(HERE, '..', 'fixtures', 'captures'));
const work = await mkdtemp(path.join(tmpdir(), 'toxstate-golden-mixed-'));
const r = await runScenario({ name: `${PREFIX}-golden`, peers: ['ctoxcore-0.2.18', 'toxstate'], condition: 'clean', holdMs: 50_000, hardTimeoutMs: 110_000 }, work);
closeAllPeers();
closeAllTPeers();
if (r.status !== 'done' || !r.outcome.connected) {
  console.error(`scenario ${r.status}: ${r.reason ?? 'did not connect'}`);
  process.exit(1);
}
await copyFile(r.paths.capture, path.join(out, `${PREFIX}.pcap`));
await copyFile(r.paths.profiles.alice!, path.join(out, `${PREFIX}-alice.tox`));
await copyFile(r.paths.profiles.bob!, path.join(out, `${PREFIX}-bob.tox`));
await copyFile(r.paths.scenario, path.join(out, `${PREFIX}.scenario.json`));
await rm(work, { recursive: true, force: true });
console.log(`wrote ${PREFIX}.* to ${out}: ${r.captureSummary?.datagrams} datagrams, online after ${r.outcome.connectS?.toFixed(2)} s`);
process.exit(0);
