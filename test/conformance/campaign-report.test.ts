/**
 * The conformance campaign's report (docs/conformance-campaign.md, written by
 * scripts/conformance-campaign.ts): every finding in the committed report has a resolution, every
 * scenario is there, and the renderer marks a finding nobody resolved as UNRESOLVED.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCampaign } from '../../conformance/campaign-report.js';
import { MODEL_CORRECTIONS, resolutionOf } from '../../conformance/campaign-resolutions.js';
import { checkCapture } from '../../conformance/monitor/check.js';
import { RULES } from '../../conformance/rules.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { ALICE_TOX, GOLDEN_PCAP, keyProfile, kindOf, readDatagrams, without } from './doctor.js';

const REPORT = readFileSync(new URL('../../docs/conformance-campaign.md', import.meta.url), 'utf8');
const PAIRS = ['ctoxcore-0.2.18-pair', 'ctoxcore-0.2.23-pair', 'toxstate-ctoxcore-0.2.18', 'toxstate-ctoxcore-0.2.23'];
const CONDITIONS = ['clean', 'loss10', 'restart', 'freeze40'];

describe('docs/conformance-campaign.md', () => {
  it('lists every scenario, resolves every finding, and toxstate\'s scenarios have no violation', () => {
    expect(REPORT).not.toContain('UNRESOLVED');
    for (const p of PAIRS) for (const c of CONDITIONS) expect(REPORT).toMatch(new RegExp(`^\\| \\[?${p}-${c}\\b`, 'm'));
    for (const line of REPORT.split('\n').filter((l) => /^\| \[toxstate-ctoxcore/.test(l))) expect(line.split('|')[5]!.trim(), line).toBe('0');
    for (const c of MODEL_CORRECTIONS) {
      expect(RULES.some((r) => r.id === c.rule), c.rule).toBe(true);
      expect(REPORT).toContain(`**${c.rule}**`);
    }
  });

  it('the renderer marks a finding without a resolution UNRESOLVED, and a resolved one with what was done', async () => {
    const crypto = await loadCrypto();
    const report = checkCapture(without(await readDatagrams(GOLDEN_PCAP), (d) => kindOf(d) === 'cookie_response'), [await keyProfile(ALICE_TOX)], crypto);
    const violation = report.findings.find((f) => f.kind === 'violation')!;
    expect(resolutionOf('doctored', violation)).toBeNull();
    const md = renderCampaign([{ name: 'doctored', spec: { peers: ['ctoxcore-0.2.18', 'ctoxcore-0.2.18'], condition: 'clean' }, skipped: null, scenario: null, report }], { date: '2026-12-06', machine: 'test', durationS: 0, checkedOnly: true });
    expect(md).toMatch(/\| violation \| `st\.cookie-response` \|.*\*\*UNRESOLVED\*\* \|/);
    expect(md).toMatch(/\| deviation \| `onion\.start-delay` \|.*\*\*deviation recorded\*\*: c-toxcore: onion_client\.c/);
  });
});
