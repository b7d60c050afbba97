/**
 * `npm run test:mutation`, second half: reads Stryker's JSON reports (reports/mutation/*.json,
 * one per group of scripts/mutation-run.ts), prints `mutation score: X% (killed K / total T)` and
 * writes docs/mutation.md: the score, the date, the machine, the content hash of machines/*.ts
 * it measured, a table per file, and every surviving mutant with its verdict. A survivor is
 * either killed by a test added since (then it is gone from the next report) or explained as
 * equivalent in docs/mutation-equivalents.json, keyed by a description that does not move with
 * line numbers: `<file> · <mutator> · <original> → <replacement> · in \`<source line>\``.
 *
 * K counts the mutants the tests detected (killed or timed out), T every mutant that ran
 * (detected, survived, or covered by no test); mutants that did not compile are left out.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { machinesHash } from '../harness/mutation-hash.js';

const ROOT = join(import.meta.dirname, '..');
const REPORTS = join(ROOT, 'reports', 'mutation');
const EQUIVALENTS = join(ROOT, 'docs', 'mutation-equivalents.json');
const OUT = join(ROOT, 'docs', 'mutation.md');

interface Position {
  readonly line: number;
  readonly column: number;
}
interface Mutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: { readonly start: Position; readonly end: Position };
  readonly status: string;
}
interface FileResult {
  readonly source: string;
  readonly mutants: readonly Mutant[];
}
interface Report {
  readonly files: Readonly<Record<string, FileResult>>;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** The source text a mutant replaces, on one line. */
function original(source: string, m: Mutant): string {
  const lines = source.split('\n');
  const { start, end } = m.location;
  let text: string;
  if (start.line === end.line) text = lines[start.line - 1]!.slice(start.column - 1, end.column - 1);
  else text = [lines[start.line - 1]!.slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1]!.slice(0, end.column - 1)].join('\n');
  return oneLine(text);
}

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The stable description an equivalence explanation is keyed by: the file, the mutator, the
 * original text and its replacement, and the source line it starts on (its text, not its number,
 * so that edits elsewhere in the file do not move the key).
 */
export function mutantKey(file: string, source: string, m: Mutant): string {
  const line = oneLine(source.split('\n')[m.location.start.line - 1] ?? '', 80);
  return `${file} · ${m.mutatorName} · ${original(source, m)} → ${oneLine(m.replacement ?? '')} · in \`${line}\``;
}

export function loadReports(dir = REPORTS): Record<string, FileResult> {
  if (!existsSync(dir)) throw new Error(`no Stryker reports in ${dir}: run npm run test:mutation`);
  const files: Record<string, FileResult> = {};
  // Oldest first: a file in a newer report (a narrowed rerun) replaces the older result.
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  for (const name of names.sort((a, b) => statSync(join(dir, a)).mtimeMs - statSync(join(dir, b)).mtimeMs)) {
    const report = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Report;
    for (const [file, result] of Object.entries(report.files)) files[file.replace(/^.*?(machines\/)/, '$1')] = result;
  }
  return files;
}

/** Text for a table cell, and code for a code span in one (a backtick would end the span). */
const md = (s: string): string => s.replace(/\|/g, '\\|');
const code = (s: string): string => md(s).replace(/`/g, 'ˋ');
const pct = (k: number, t: number): string => (t === 0 ? '100.0' : ((100 * k) / t).toFixed(1));

function main(): void {
  const files = loadReports();
  // A group's report is of the file as it was then: refuse to mix in one measured on other code.
  const stale = Object.entries(files)
    .filter(([file, result]) => !existsSync(join(ROOT, file)) || readFileSync(join(ROOT, file), 'utf8') !== result.source)
    .map(([file]) => file);
  if (stale.length) {
    console.error(`Stryker's report is older than ${stale.join(', ')}: rerun their group (npx tsx scripts/mutation-run.ts --only <group>)`);
    process.exit(1);
  }
  const equivalents = JSON.parse(readFileSync(EQUIVALENTS, 'utf8')) as Record<string, string>;
  const used = new Set<string>();
  let killed = 0;
  let total = 0;
  const rows: string[] = [];
  const survivors: string[] = [];
  let unexplained = 0;
  for (const [file, result] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const count = (set: Set<string>): number => result.mutants.filter((m) => set.has(m.status)).length;
    const k = count(DETECTED);
    const t = k + count(UNDETECTED);
    killed += k;
    total += t;
    const by = (s: string): number => result.mutants.filter((m) => m.status === s).length;
    rows.push(`| ${file} | ${t} | ${by('Killed')} | ${by('Timeout')} | ${by('Survived')} | ${by('NoCoverage')} | ${pct(k, t)} % |`);
    const sorted = [...result.mutants].filter((m) => UNDETECTED.has(m.status)).sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    for (const m of sorted) {
      const key = mutantKey(file, result.source, m);
      const reason = equivalents[key];
      if (reason) used.add(key);
      else unexplained++;
      survivors.push(
        `| ${file}:${m.location.start.line} | ${md(m.mutatorName)}: \`${code(original(result.source, m))}\` → \`${code(oneLine(m.replacement ?? ''))}\` | ${m.status} | ${reason ? `equivalent: ${md(reason)}` : '**not explained**'} |`,
      );
    }
  }
  const score = `mutation score: ${pct(killed, total)}% (killed ${killed} / total ${total})`;
  const measured = new Set(Object.keys(files));
  const unmeasured = readdirSync(join(ROOT, 'machines'))
    .filter((n) => n.endsWith('.ts'))
    .map((n) => `machines/${n}`)
    .filter((f) => !measured.has(f));
  const cpu = cpus();
  const unused = Object.keys(equivalents).filter((k) => !used.has(k));
  const lines = [
    '# Mutation testing of the state core',
    '',
    '<!-- Generated by `npm run test:mutation` (scripts/mutation-run.ts, scripts/mutation-report.ts). Do not edit: explain an',
    'equivalent mutant in docs/mutation-equivalents.json, kill the others with a test, and run it again. -->',
    '',
    `**${score}**`,
    '',
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    `- machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`,
    `- tool: Stryker (@stryker-mutator/core with the vitest runner) over machines/, each mutant run against the state-core tests (vitest.core.config.ts) of its machine`,
    `- machines hash: sha256:${machinesHash(ROOT)} (machines/*.ts as measured; test/architecture/mutation-report.test.ts fails when they change)`,
    `- killed counts mutants the tests detected (killed or timed out); total adds the survivors and the mutants no test covered`,
    '',
    '| file | mutants | killed | timed out | survived | no coverage | score |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    ...(unmeasured.length ? ['', `Not measured in this report: ${unmeasured.join(', ')} (their group was not run).`] : []),
    '',
    '## Surviving mutants',
    '',
    survivors.length === 0 ? 'None.' : `${survivors.length} survived; ${unexplained} not explained.`,
    '',
    ...(survivors.length ? ['| where | mutation | status | verdict |', '|---|---|---|---|', ...survivors, ''] : []),
  ];
  if (unused.length) lines.push('## Explanations no longer needed', '', ...unused.map((k) => `- \`${code(k)}\``), '');
  writeFileSync(OUT, lines.join('\n'));
  console.log(score);
  console.log(`wrote docs/mutation.md: ${survivors.length} surviving mutants, ${unexplained} not explained`);
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) main();
