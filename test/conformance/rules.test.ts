/**
 * The conformance rule list must refer only to things that exist (machine transitions, source
 * symbols, test titles), and the report must render every rule and the test results it is given.
 */
import { describe, expect, it } from 'vitest';
import { RULES } from '../../conformance/rules.js';
import { readVitestJson, renderConformance, ruleStatus, transitionProofs, validateRules } from '../../conformance/report.js';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

describe('conformance report', () => {
  it('every rule refers to existing transitions, source symbols and tests', () => {
    expect(validateRules(root)).toEqual([]);
  });

  it('names the implementation and tests of every implemented rule, and lists the rest as not implemented', () => {
    const md = renderConformance(root, null);
    for (const r of RULES) expect(md).toContain(r.kind === 'not-implemented' ? r.rule : `\`${r.id}\``);
    expect(md).toMatch(/## Not implemented yet[\s\S]*TCP relays/);
    expect(md).toContain('No test results were given');
  });

  it('reports each referenced test as passed, failed or skipped from a vitest JSON report', () => {
    const json = JSON.stringify({
      startTime: 0,
      testResults: [
        {
          name: `${root}/test/machines/seed-scenarios.test.ts`,
          assertionResults: [
            { title: 'cookie timeout: eight unanswered cookie requests clear the address and the DHT search resumes', status: 'failed' },
            { title: 'friend silent for 32 s: the session ends and the search starts again', status: 'passed' },
          ],
        },
        { name: `${root}/test/interop/harness.test.ts`, assertionResults: [{ title: 'become friends by request', status: 'skipped' }] },
      ],
    });
    const md = renderConformance(root, readVitestJson(json, root));
    expect(md).toMatch(/❌ failed: `machines\/seed-scenarios.test.ts` “cookie timeout/);
    expect(md).toMatch(/✅ passed: `machines\/seed-scenarios.test.ts` “friend silent for 32 s/);
    expect(md).toMatch(/interop\/harness.test.ts` \| become friends by request \| ⏭ skipped/);
  });

  it('catches a reference that does not exist', () => {
    const broken = [{ ...RULES[0]!, implementedBy: [{ machine: 'friendSession' as const, transition: 'Nowhere|tick|0' }], provedBy: [{ file: 'test/machines/seed-scenarios.test.ts', title: 'no such test title here' }] }];
    const problems = validateRules(root, broken);
    expect(problems.some((p) => p.includes('has no transition Nowhere|tick|0'))).toBe(true);
    expect(problems.some((p) => p.includes('no test titled'))).toBe(true);
    const shifted = [{ ...RULES[0]!, implementedBy: [{ machine: 'friendSession' as const, transition: 'AcquiringCookie|tick|0', guard: 'isResendDue' }] }];
    expect(validateRules(root, shifted)).toEqual([expect.stringContaining('has guard isDhtKeyStale, the rule names isResendDue')]);
  });

  it('a rule that applies in several states passes only when the model test of each of its transitions passed', () => {
    const rule = RULES.find((r) => r.id === 'fc.dht-timeout')!;
    const proofs = transitionProofs(rule).map((t) => t.title);
    expect(proofs).toEqual(['AcquiringIPAddress', 'AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket'].map((st) => `friendSession ${st}|tick|0: walked`));
    const run = (failing: string | null) =>
      readVitestJson(
        JSON.stringify({
          testResults: [
            { name: `${root}/test/model/machines.model.test.ts`, assertionResults: [...proofs.map((p) => ({ title: `${p}, and agrees`, status: p === failing ? 'failed' : 'passed' })), { title: 'walks every transition of the definition', status: 'passed' }, { title: 'agrees with the oracle at every step of every generated path', status: 'passed' }] },
            { name: `${root}/test/machines/seed-scenarios.test.ts`, assertionResults: [{ title: 'a friend that answers cookies but never handshakes: …', status: 'passed' }] },
          ],
        }),
        root,
      );
    expect(ruleStatus(run(null), rule)).toBe('passed');
    expect(ruleStatus(run(proofs[2]!), rule)).toBe('failed');
    const missing = readVitestJson(JSON.stringify({ testResults: [] }), root);
    expect(ruleStatus(missing, rule)).toBe('not run');
  });
});
