/**
 * `npm run bench [-- NAME… | --quick]`: runs the benchmarks, prints their figures, writes
 * bench/results.json (with date and machine), and refreshes the figures table in README.md
 * between its bench markers. Benchmarks measure; they never assert.
 */
import { cpus, totalmem } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { benches } from './registry.js';
import type { BenchResult } from './types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function renderTable(rows: BenchResult['rows']): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]!);
  const lines = [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${cols.map((c) => String(r[c] ?? '')).join(' | ')} |`);
  return lines.join('\n');
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !benches.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`bench: unknown benchmark ${unknown.join(', ')} (known: ${benches.map((b) => b.name).join(', ')})`);
    process.exit(2);
  }
  const chosen = names.length ? benches.filter((b) => names.includes(b.name)) : benches;
  const date = new Date().toISOString().slice(0, 10);
  const machine = machineLine();
  console.log(`toxstate benchmarks — ${date} — ${machine}${quick ? ' — QUICK (smoke sizes)' : ''}\n`);
  const results: Record<string, { title: string } & BenchResult> = {};
  for (const b of chosen) {
    console.log(`## ${b.title}`);
    const started = Date.now();
    const r = await b.run({ quick });
    console.log(renderTable(r.rows));
    for (const n of r.notes) console.log(`note: ${n}`);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    results[b.name] = { title: b.title, ...r };
  }
  if (quick) return;
  const file = join(root, 'bench', 'results.json');
  let previous: { date?: string; machine?: string; results?: Record<string, unknown> } = {};
  try {
    previous = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    /* first run */
  }
  // Each table keeps when and where it was measured (older entries: the file's date and machine then).
  const earlier: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(previous.results ?? {})) {
    earlier[name] = { measured: { date: previous.date, machine: previous.machine }, ...(r as object) };
  }
  const fresh = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { ...r, measured: { date, machine } }]));
  const merged = { date, machine, results: { ...earlier, ...fresh } };
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  updateReadme(merged);
  console.log(`wrote ${file} and the figures in README.md`);
}

function updateReadme(all: { date: string; machine: string; results: Record<string, unknown> }): void {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  type Entry = { title: string; measured?: { date?: string; machine?: string } } & BenchResult;
  const entries = Object.values(all.results) as Entry[];
  const when = (r: Entry): string => `${r.measured?.date ?? all.date} on ${r.measured?.machine ?? all.machine}`;
  const oneRun = entries.every((r) => when(r) === `${all.date} on ${all.machine}`);
  const parts: string[] = [oneRun ? `Measured ${all.date} on ${all.machine} (\`npm run bench\`).` : 'Measured with `npm run bench`; each table says when and on what.', ''];
  for (const r of entries) {
    parts.push(`**${r.title}**`, '');
    if (!oneRun) parts.push(`Measured ${when(r)}.`, '');
    parts.push(renderTable(r.rows), '');
    for (const n of r.notes) parts.push(`- ${n}`);
    if (r.notes.length) parts.push('');
  }
  writeFileSync(readme, `${text.slice(0, i + start.length)}\n${parts.join('\n')}\n${text.slice(j)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
}
