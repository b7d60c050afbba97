/**
 * `npm run fuzz [-- --inputs N] [--seed S] [--flood N] [--no-write]`: the full reliability run.
 *
 *   1. fuzz: at least 1,000,000 inputs (default) into every decoder, keyed, and into a live
 *      engine whose friend session must stay Established (harness/fuzz/runner.ts);
 *   2. flood: 13 kinds of unauthenticated packets from 20,000 addresses (harness/reliability/flood.ts);
 *   3. amplification: every unauthenticated request/response pair, measured;
 *   4. protocol attacks, each refused;
 *   5. the outside attack review (harness/reliability/review/), each attack performed again;
 * prints the figures and writes docs/reliability.md (every section). Exits non-zero when
 * anything crashed, the session dropped, a table passed its limit or an attack got through.
 */
import { parseArgs } from 'node:util';
import { loadCrypto } from '../runtime/adapters/node-crypto.js';
import { DHT_BUCKET_SIZE, DHT_SEARCH_LIST_SIZE } from '../runtime/dht/dht.js';
import { RECENT_FRIEND_REQUESTS_RING_SIZE } from '../runtime/messenger/friend-requests.js';
import { RECV_WINDOW_PACKETS, SEND_BUFFER_LIMIT_PACKETS } from '../runtime/net-crypto/constants.js';
import { ONION_FRIEND_NODES_MAX, ONION_LAST_PINGED_MAX, ONION_PATHS_PER_SET, ONION_SELF_NODES_MAX } from '../runtime/onion/constants.js';
import { buildCorpus } from '../harness/fuzz/corpus.js';
import type { TableStats } from '../harness/fuzz/engine-target.js';
import { runFuzz } from '../harness/fuzz/runner.js';
import { measureAmplification } from '../harness/reliability/amplification.js';
import { KNOWN_ATTACK_TESTS, runAttacks } from '../harness/reliability/attacks.js';
import { runFlood } from '../harness/reliability/flood.js';
import { renderAmplification, renderAttacks, renderBounds, renderFlood, renderFuzz, renderReview, REPORT_PATH, stamp, table, writeSection } from '../harness/reliability/report.js';
import { runReview } from '../harness/reliability/review/index.js';

const MIN_FULL_INPUTS = 1_000_000;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      inputs: { type: 'string' },
      seed: { type: 'string' },
      flood: { type: 'string' },
      'no-write': { type: 'boolean' },
    },
  });
  const inputs = values.inputs ? Number(values.inputs) : MIN_FULL_INPUTS;
  const seed = values.seed ? Number(values.seed) : 1;
  const floodPackets = values.flood ? Number(values.flood) : 130_000;
  if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(seed) || !Number.isInteger(floodPackets) || floodPackets < 13) {
    console.error('fuzz: --inputs, --seed and --flood take whole numbers (--flood ≥ 13)');
    return 2;
  }
  const write = !values['no-write'] && inputs >= MIN_FULL_INPUTS;
  const crypto = await loadCrypto();
  console.log(`toxstate reliability run — ${stamp()}`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('(no --expose-gc: memory figures include garbage not yet collected)');

  console.log('\n## fuzz');
  const corpus = buildCorpus(crypto);
  console.log(`corpus: ${corpus.counts.golden} c-toxcore + ${corpus.counts.toxstate} toxstate + ${corpus.counts.synthetic} synthetic datagrams`);
  const fuzz = runFuzz({
    crypto,
    inputs,
    seed,
    corpus,
    progressEvery: Math.max(10_000, Math.round(inputs / 10)),
    onProgress: (done, ms) => console.log(`  ${done.toLocaleString('en-US')} inputs, ${Math.round(done / (ms / 1000)).toLocaleString('en-US')}/s`),
  });
  const e = fuzz.engine;
  console.log(
    table([
      { figure: 'inputs', value: fuzz.inputs },
      { figure: 'inputs/s', value: fuzz.inputsPerSecond },
      { figure: 'crashes', value: fuzz.crashes + e.errorHandler },
      { figure: 'non-Result returns', value: fuzz.contractViolations },
      { figure: 'MACs passed', value: fuzz.opened },
      { figure: 'engine inputs / dropped', value: `${e.injected} / ${e.dropped}` },
      { figure: 'Established throughout', value: String(e.establishedThroughout) },
      { figure: 'heap MB before → after', value: `${fuzz.memoryBefore.heapUsedMb} → ${fuzz.memoryAfter.heapUsedMb}` },
    ]),
  );
  console.log(table((Object.keys(e.before) as Array<keyof TableStats>).map((k) => ({ table: k, before: e.before[k], after: e.after[k], max: e.max[k], limit: fuzz.limits[k].limit }))));
  for (const c of fuzz.crashSamples) console.log(`CRASH ${c.target}: ${c.error}\n  input ${c.inputHex}`);

  console.log('\n## flood');
  const flood = runFlood({ crypto, packets: floodPackets, sources: 20_000 });
  console.log(`${flood.packets} packets, ${flood.packetsPerSecond}/s absorbed, Established throughout: ${flood.establishedThroughout}, heap ${flood.memoryBefore.heapUsedMb} → ${flood.memoryAfter.heapUsedMb} MB`);

  console.log('\n## amplification');
  const amp = measureAmplification(crypto);
  console.log(table(amp.map((r) => ({ request: r.request, in: r.requestBytes, back: r.responseBytes, ratio: r.ratio, elsewhere: r.forwarded }))));

  console.log('\n## attacks');
  const attacks = runAttacks(crypto);
  for (const a of attacks) console.log(`${a.refused ? 'refused' : 'NOT REFUSED'}: ${a.attack} — ${a.outcome}`);

  console.log('\n## attack review');
  const review = await runReview(crypto, (topic) => console.log(`  ${topic} …`));
  for (const r of review) console.log(`${r.held ? 'held' : 'DID NOT HOLD'}: ${r.item}. ${r.attack} — ${r.result}`);

  const overLimit = [e.max, flood.max].flatMap((m) => (Object.keys(m) as Array<keyof TableStats>).filter((k) => m[k] > fuzz.limits[k].limit));
  const failures: string[] = [];
  if (fuzz.crashes > 0) failures.push(`${fuzz.crashes} decoder crashes`);
  if (fuzz.contractViolations > 0) failures.push(`${fuzz.contractViolations} non-Result returns`);
  if (e.errorHandler > 0 || flood.errorHandler > 0) failures.push(`handler errors: ${e.lastError ?? ''}`);
  if (!e.establishedThroughout || e.offlineEvents > 0) failures.push('the session dropped during the fuzz');
  if (!flood.establishedThroughout || flood.offlineEvents > 0) failures.push('the session dropped during the flood');
  if (overLimit.length > 0) failures.push(`tables over their limit: ${overLimit.join(', ')}`);
  for (const a of attacks) if (!a.refused) failures.push(`attack not refused: ${a.attack}`);
  for (const r of review) if (!r.held) failures.push(`review attack not held: ${r.item}. ${r.attack}`);

  if (write) {
    const refused = attacks.filter((a) => a.refused).length;
    const larger = amp.filter((r) => r.responseBytes > r.requestBytes);
    writeSection(
      'summary',
      [
        '## Summary',
        '',
        stamp(),
        '',
        `- **${fuzz.inputs.toLocaleString('en-US')} fuzz inputs**, ${fuzz.inputsPerSecond.toLocaleString('en-US')}/s: **${fuzz.crashes + e.errorHandler} crashes**, ${fuzz.contractViolations} non-Result returns; Alice–Bob stayed Established: ${e.establishedThroughout ? 'yes' : 'NO'}.`,
        `- **Flood**: ${flood.packets.toLocaleString('en-US')} packets from ${flood.sources.toLocaleString('en-US')} addresses absorbed at **${flood.packetsPerSecond.toLocaleString('en-US')} packets/s**; heap ${flood.memoryBefore.heapUsedMb} → ${flood.memoryAfter.heapUsedMb} MB; every table within its limit; session stayed up: ${flood.establishedThroughout ? 'yes' : 'NO'}.`,
        `- **Attacks**: ${refused} of ${attacks.length} refused here, the session intact after each (re-established after the one that partitions Bob away); ${KNOWN_ATTACK_TESTS.length} more refused in earlier tests.`,
        `- **Attack review** (an outside review's attacks, performed again): ${review.filter((r) => r.held).length} of ${review.length} held — remote crashes, denials of service, inspector leaks, profile file attacks (items 1–10, see below).`,
        `- **Amplification**: ${larger.length} of ${amp.length} measured answers are larger than their request, each bounded (see below): ${larger.map((r) => `${r.request} ×${r.ratio.toFixed(2)}`).join('; ')}.`,
        failures.length > 0 ? `- **FAILURES**: ${failures.join('; ')}` : '- Failures: none.',
      ].join('\n'),
    );
    writeSection('fuzz', renderFuzz(fuzz));
    writeSection('flood', renderFlood(flood));
    writeSection('amplification', renderAmplification(amp));
    writeSection('attacks', renderAttacks(attacks));
    writeSection('review', renderReview(review));
    writeSection(
      'bounds',
      renderBounds(fuzz.limits, [
        { table: 'DHT search list (per searched key)', constant: 'DHT_SEARCH_LIST_SIZE', where: 'runtime/dht/dht.ts', value: String(DHT_SEARCH_LIST_SIZE) },
        { table: 'DHT bucket', constant: 'DHT_BUCKET_SIZE', where: 'runtime/dht/dht.ts', value: String(DHT_BUCKET_SIZE) },
        { table: 'onion self-announce list', constant: 'ONION_SELF_NODES_MAX', where: 'runtime/onion/constants.ts', value: String(ONION_SELF_NODES_MAX) },
        { table: 'onion friend search list (per friend)', constant: 'ONION_FRIEND_NODES_MAX', where: 'runtime/onion/constants.ts', value: String(ONION_FRIEND_NODES_MAX) },
        { table: 'onion paths (per set, 2 sets)', constant: 'ONION_PATHS_PER_SET', where: 'runtime/onion/constants.ts', value: String(ONION_PATHS_PER_SET) },
        { table: 'recently asked nodes (per list)', constant: 'ONION_LAST_PINGED_MAX', where: 'runtime/onion/constants.ts', value: String(ONION_LAST_PINGED_MAX) },
        { table: 'net_crypto send buffer (per connection)', constant: 'SEND_BUFFER_LIMIT_PACKETS', where: 'runtime/net-crypto/constants.ts', value: String(SEND_BUFFER_LIMIT_PACKETS) },
        { table: 'net_crypto receive window (per connection)', constant: 'RECV_WINDOW_PACKETS', where: 'runtime/net-crypto/constants.ts', value: String(RECV_WINDOW_PACKETS) },
        { table: 'recent friend requesters', constant: 'RECENT_FRIEND_REQUESTS_RING_SIZE', where: 'runtime/messenger/friend-requests.ts', value: String(RECENT_FRIEND_REQUESTS_RING_SIZE) },
      ]),
    );
    console.log(`\nwrote ${REPORT_PATH}`);
  } else {
    console.log(`\n(not written: ${values['no-write'] ? '--no-write' : `fewer than ${MIN_FULL_INPUTS.toLocaleString('en-US')} inputs`})`);
  }
  if (failures.length > 0) {
    console.error(`\nFAILED: ${failures.join('; ')}`);
    return 1;
  }
  console.log('\nno crash, no dropped session, every table within its limit, every attack refused, every review attack held');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
