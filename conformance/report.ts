/**
 * Generates docs/conformance.md from conformance/rules.ts: for each rule, toxstate's value,
 * where it is implemented (checked against the machine definitions and the source files), the
 * tests that prove it, and — from a vitest JSON report — whether those tests passed, failed or
 * were skipped. The interop tests against c-toxcore get their own section with their results.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { allTransitions, machineSpecs } from '../machines/index.js';
import { RULES, type ImplRef, type Rule, type RuleKind, type TestRef } from './rules.js';

export type TestStatus = 'passed' | 'failed' | 'skipped' | 'not run';

/** Test outcomes by file (relative to the project root) and title. */
export interface TestResults {
  readonly byFile: ReadonlyMap<string, ReadonlyArray<{ title: string; fullName: string; status: TestStatus }>>;
  readonly date: string | null;
}

/** Reads a vitest `--reporter=json` output file. */
export function readVitestJson(text: string, root: string): TestResults {
  const j = JSON.parse(text) as {
    startTime?: number;
    testResults?: Array<{ name: string; assertionResults?: Array<{ title: string; fullName?: string; status: string }> }>;
  };
  const byFile = new Map<string, Array<{ title: string; fullName: string; status: TestStatus }>>();
  for (const f of j.testResults ?? []) {
    const file = relative(root, f.name);
    byFile.set(
      file,
      (f.assertionResults ?? []).map((a) => ({
        title: a.title,
        fullName: a.fullName ?? a.title,
        status: a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped',
      })),
    );
  }
  return { byFile, date: j.startTime ? new Date(j.startTime).toISOString().slice(0, 16).replace('T', ' ') : null };
}

/** Problems with the rule list: references to transitions, symbols or tests that do not exist. */
export function validateRules(root: string, rules: readonly Rule[] = RULES): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const read = (file: string): string | null => {
    const p = join(root, file);
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  };
  for (const r of rules) {
    if (ids.has(r.id)) problems.push(`${r.id}: duplicate rule id`);
    ids.add(r.id);
    if (r.kind !== 'not-implemented' && r.implementedBy.length === 0) problems.push(`${r.id}: no implementation named`);
    if (r.kind !== 'not-implemented' && r.provedBy.length === 0) problems.push(`${r.id}: no test named`);
    for (const ref of r.implementedBy) {
      if ('machine' in ref) {
        const t = allTransitions(machineSpecs[ref.machine].machine).find((x) => x.id === ref.transition);
        if (!t) problems.push(`${r.id}: ${ref.machine} has no transition ${ref.transition}`);
        else if (ref.guard !== undefined && (t.guard ?? null) !== ref.guard)
          problems.push(`${r.id}: ${ref.machine} ${ref.transition} has guard ${t.guard ?? 'none'}, the rule names ${ref.guard ?? 'none'}`);
      } else {
        const text = read(ref.file);
        if (text === null) problems.push(`${r.id}: no file ${ref.file}`);
        else if (!text.includes(ref.symbol)) problems.push(`${r.id}: ${ref.file} does not contain ${JSON.stringify(ref.symbol)}`);
      }
    }
    for (const t of r.provedBy) {
      const text = read(t.file);
      if (text === null) problems.push(`${r.id}: no test file ${t.file}`);
      else if (t.title.length < 8 || !text.includes(t.title)) problems.push(`${r.id}: ${t.file} has no test titled ${JSON.stringify(t.title)}…`);
    }
  }
  return problems;
}

function statusOf(results: TestResults | null, t: TestRef): TestStatus {
  if (!results) return 'not run';
  const tests = results.byFile.get(t.file);
  if (!tests) return 'not run';
  const matching = tests.filter((x) => x.title.startsWith(t.title) || x.fullName.includes(t.title));
  if (matching.length === 0) return 'not run';
  if (matching.some((m) => m.status === 'failed')) return 'failed';
  if (matching.every((m) => m.status === 'skipped')) return 'skipped';
  return 'passed';
}

/** The model-based test of one machine transition (test/model/machines.model.test.ts names one per transition). */
export const MODEL_TEST_FILE = 'test/model/machines.model.test.ts';
const transitionProof = (machine: string, transition: string): TestRef => ({ file: MODEL_TEST_FILE, title: `${machine} ${transition}: walked` });

/** A rule's machine transitions, one per state it applies in, each proved by its own model test. */
export function transitionProofs(r: Rule): TestRef[] {
  return r.implementedBy.flatMap((ref) => ('machine' in ref ? [transitionProof(ref.machine, ref.transition)] : []));
}

/**
 * A rule passes only when every test it names and every one of its transitions' model tests
 * passed; otherwise the worst status among them.
 */
export function ruleStatus(results: TestResults | null, r: Rule): TestStatus {
  const all = [...r.provedBy, ...transitionProofs(r)].map((t) => statusOf(results, t));
  for (const worst of ['failed', 'not run', 'skipped'] as const) if (all.includes(worst)) return worst;
  return all.length > 0 ? 'passed' : 'not run';
}

const MARK: Record<TestStatus, string> = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭ skipped', 'not run': '· not run' };
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function implText(ref: ImplRef): string {
  return 'machine' in ref ? `\`${ref.machine}\` \`${ref.transition}\`` : `\`${ref.file}\` (${ref.symbol.replace(/`/g, '')})`;
}

const KIND_TITLES: Record<RuleKind, string> = {
  timer: 'Timers',
  constant: 'Constants and limits',
  packet: 'Packets',
  transition: 'State transitions (c-toxcore net_crypto, friend_connection, messenger, onion)',
  difference: 'Where spec.md, c-toxcore and toxstate differ',
  'not-implemented': 'Not implemented yet',
};

/** Interop test files: every test that runs against c-toxcore. */
export function interopFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (/\.test\.ts$/.test(e.name) && (dir.startsWith('test/interop') || /interop|ctoxcore/.test(e.name))) out.push(p);
    }
  };
  if (existsSync(join(root, 'test'))) walk('test');
  return out.sort();
}

/** Every test file the report needs results from. */
export function referencedTestFiles(root: string, rules: readonly Rule[] = RULES): string[] {
  return [...new Set([...rules.flatMap((r) => r.provedBy.map((t) => t.file)), ...interopFiles(root)])].sort();
}

export function renderConformance(root: string, results: TestResults | null, rules: readonly Rule[] = RULES): string {
  const lines: string[] = [
    '# Protocol conformance',
    '',
    '<!-- Generated by `npm run conformance` (toxstate conformance) from conformance/rules.ts, the machine definitions and a test run. Do not edit by hand. -->',
    '',
    'Each rule toxstate implements, checked against c-toxcore 0.2.18 (values from `docs/protocol.md`, section given),',
    "with toxstate's value (read from the live constants), the machine transition or code that implements it, and the tests",
    'that prove it with their result in the test run below.',
    '',
    results ? `Test run: ${results.date ?? 'date unknown'}.` : 'No test results were given: run `npm run conformance` to include them.',
    '',
  ];
  const counts = new Map<TestStatus, number>();
  const proved = (r: Rule): string =>
    [...r.provedBy, ...transitionProofs(r)]
      .map((t) => {
        const st = statusOf(results, t);
        counts.set(st, (counts.get(st) ?? 0) + 1);
        return `${MARK[st]}: \`${t.file.replace(/^test\//, '')}\` “${cell(t.title)}…”`;
      })
      .join('<br>');
  const verdict = (r: Rule): string => MARK[ruleStatus(results, r)];
  const sections: string[] = [];
  for (const kind of Object.keys(KIND_TITLES) as RuleKind[]) {
    const rs = rules.filter((r) => r.kind === kind);
    if (rs.length === 0) continue;
    sections.push(`## ${KIND_TITLES[kind]}`, '');
    if (kind === 'not-implemented') {
      sections.push('| rule | section | toxstate |', '|---|---|---|');
      for (const r of rs) sections.push(`| ${cell(r.rule)} | ${r.section} | ${cell(r.toxstate)} |`);
    } else {
      sections.push('| id | rule | section | c-toxcore 0.2.18 | toxstate | implemented by | proved by | verdict |', '|---|---|---|---|---|---|---|---|');
      for (const r of rs) {
        const tox = r.difference ? `${r.toxstate} — *${r.difference}*` : r.toxstate;
        sections.push(
          `| \`${r.id}\` | ${cell(r.rule)} | ${r.section} | ${cell(r.ctoxcore)} | ${cell(tox)} | ${r.implementedBy.map(implText).join('<br>')} | ${proved(r)} | ${verdict(r)} |`,
        );
      }
    }
    sections.push('');
  }
  const implemented = rules.filter((r) => r.kind !== 'not-implemented').length;
  lines.push(
    `**${implemented} rules implemented, ${rules.length - implemented} not yet.** Test references: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}.`,
    '',
    ...sections,
  );
  // Interop results.
  lines.push('## Interoperation with c-toxcore 0.2.18 (test results)', '');
  const files = interopFiles(root);
  if (!results) lines.push('Not run.', '');
  else {
    lines.push('| test file | test | result |', '|---|---|---|');
    for (const f of files) {
      const tests = results.byFile.get(f);
      if (!tests) {
        lines.push(`| \`${f}\` | (not in this run) | ${MARK['not run']} |`);
        continue;
      }
      for (const t of tests) lines.push(`| \`${f.replace(/^test\//, '')}\` | ${cell(t.title)} | ${MARK[t.status]} |`);
    }
    lines.push('', 'A skipped interop test means c-toxcore (Debian `libtoxcore-dev`) could not be installed or built on the machine that ran it; the test output says why.', '');
  }
  return lines.join('\n');
}
