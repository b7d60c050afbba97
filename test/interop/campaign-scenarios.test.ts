/**
 * The conformance campaign's capture half (harness/campaign/scenarios.ts), run on one short
 * scenario: two c-toxcore peers, clean, a short hold — once a Debian 0.2.18 pair and once a 0.2.23
 * pair (under $TOXSTATE_CTOXCORE_0223_PREFIX; harness/interop/c-versions.ts; the test names say
 * which). The capture must hold cookie requests, handshakes and crypto data sent from both peers'
 * addresses, nothing but loopback, in time order; the profiles must load with the long-term keys
 * the scenario summary names; the events file must carry both peers' friend-online events.
 * (Two bare cpeers of each version befriending: test/interop/harness.test.ts.)
 *
 * Skipped, with `SKIPPED: c-toxcore interop: <reason>` printed, when c-toxcore is unavailable
 * (TOXSTATE_REQUIRE_INTEROP=1 makes that a failure); a missing 0.2.23 prints
 * `SKIPPED: c-toxcore 0.2.23 interop: <reason>`, and fails under TOXSTATE_REQUIRE_0223=1 (.ci/run).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { loadProfile } from '../../runtime/adapters/profile-store.js';
import { closeAllPeers } from '../../harness/interop/cpeer.js';
import { cTag, cVersions } from '../../harness/interop/c-versions.js';
import { LINKTYPE_IPV4, parseIpv4Udp, readPcap } from '../../harness/interop/pcap-writer.js';
import { runScenario } from '../../harness/campaign/scenarios.js';

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing

const dirs: string[] = [];
afterAll(async () => {
  await closeAllPeers();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

for (const v of versions) describe.skipIf(!v.available)(`conformance campaign scenario (c-toxcore pair, clean) ${cTag(v)}`, () => {
  it('writes a capture with both peers’ cookie requests, handshakes and crypto data, loadable profiles, events and a summary', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'toxstate-campaign-test-'));
    dirs.push(dir);
    const impl = `ctoxcore-${v.version}` as const;
    const r = await runScenario({ name: 'test-pair-clean', peers: [impl, impl], condition: 'clean', holdMs: 1_000 }, dir);
    expect(r.status, r.reason).toBe('done');
    expect(r.outcome.connected).toBe(true);
    expect(r.outcome.messagesBefore).toEqual({ bobToAlice: true, aliceToBob: true });

    const summary = JSON.parse(await readFile(r.paths.scenario, 'utf8')) as {
      peers: Record<string, { pk: string; incarnations: { dhtpk: string; address: string; version: string }[] }>;
      problems: string[];
      capture: { datagrams: number; clockCheck: { negative: number; matched: number } };
    };
    expect(summary.problems).toEqual([]);
    for (const label of ['alice', 'bob']) expect(summary.peers[label]!.incarnations[0]!.version).toBe(v.version);
    const addr = (label: string): string => summary.peers[label]!.incarnations[0]!.address;

    const file = readPcap(new Uint8Array(await readFile(r.paths.capture)));
    if (!file.ok) throw new Error(file.error);
    expect(file.value.linktype).toBe(LINKTYPE_IPV4);
    expect(file.value.records.length).toBe(summary.capture.datagrams);
    const kinds = new Map<string, Set<number>>();
    let lastUs = 0n;
    for (const rec of file.value.records) {
      const p = parseIpv4Udp(rec.data);
      if (!p.ok) throw new Error(p.error);
      expect(p.value.src.ip).toBe('127.0.0.1');
      expect(p.value.dst.ip).toBe('127.0.0.1');
      const at = rec.timeUs;
      expect(at >= lastUs).toBe(true);
      lastUs = at;
      const from = `${p.value.src.ip}:${p.value.src.port}`;
      const set = kinds.get(from) ?? new Set<number>();
      set.add(p.value.payload[0] ?? -1);
      kinds.set(from, set);
    }
    for (const label of ['alice', 'bob']) {
      const sent = kinds.get(addr(label));
      expect(sent, `datagrams from ${label}`).toBeDefined();
      // A cookie request comes from the side that starts the handshake; both send handshakes and crypto data.
      expect(sent!.has(0x1a), `${label} handshake`).toBe(true);
      expect(sent!.has(0x1b), `${label} crypto data`).toBe(true);
    }
    const cookieRequests = [...kinds.values()].filter((s) => s.has(0x18)).length;
    expect(cookieRequests).toBeGreaterThanOrEqual(1);
    // Every datagram one peer sent to the other was received after it was sent (one clock).
    expect(summary.capture.clockCheck.negative).toBe(0);
    expect(summary.capture.clockCheck.matched).toBeGreaterThan(0);

    for (const label of ['alice', 'bob']) {
      const loaded = await loadProfile(r.paths.profiles[label]!);
      expect(toHex(loaded.profile.keys.publicKey)).toBe(summary.peers[label]!.pk);
    }

    const events = (await readFile(r.paths.events, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { at: number; peer: string; event?: string; status?: string });
    for (const label of ['alice', 'bob']) {
      expect(events.some((e) => e.peer === label && e.event === 'friend_connection' && e.status === 'udp')).toBe(true);
    }
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort((a, b) => a - b));
  }, 90_000);
});
