/**
 * The conformance monitor through the package's embedding API, as the README's snippet uses it
 * (index.ts: datagramsOfCapture, checkCapture, loadProfile, loadCrypto, the report printers).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCapture, checkReportJsonLines, checkReportText, datagramsOfCapture, loadCrypto, loadProfile } from '../../index.js';
import { ALICE_TOX, GOLDEN_PCAP } from './doctor.js';

describe('the monitor through the embedding API', () => {
  it('reads a capture, checks it with a profile, and prints what toxstate check prints', async () => {
    const { profile } = await loadProfile(ALICE_TOX);
    const keys = { label: 'alice.tox', publicKey: profile.keys.publicKey, secretKey: profile.keys.secretKey, friendPks: profile.friends.map((f) => f.publicKey) };
    const capture = datagramsOfCapture(readFileSync(GOLDEN_PCAP));
    if (!capture.ok) throw new Error(capture.error);
    expect(capture.value.datagrams).toHaveLength(1118);
    expect(capture.value.stopped).toBeNull();
    const report = checkCapture(capture.value.datagrams, [keys], await loadCrypto());
    expect(report.findings.map((f) => [f.kind, f.rule])).toEqual([['deviation', 'onion.start-delay']]);
    expect(JSON.parse(checkReportJsonLines(report).at(-1)!)).toMatchObject({ ev: 'summary', pairs: 1, violations: 0 });
    expect(checkReportText(report, 'golden').at(-1)).toMatch(/^Summary: 1 pair, 0 violations/);
  });

  it('says what is wrong with bytes that are not a capture', () => {
    const r = datagramsOfCapture(new TextEncoder().encode('not a capture'));
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/not a pcap or pcapng file/) });
  });
});
