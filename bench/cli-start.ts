/**
 * cli-start: how long `toxstate` takes to start, against bare Node (`node -e 0`). Each command
 * is spawned N times after one warm-up run (so the checkout's compiled CLI, scripts/cli-cache.mjs,
 * is built and the files are in the page cache); the figure is the median wall time of the whole
 * process. In the checkout (bin/toxstate.js: compiled bundle, or tsx with TOXSTATE_NO_CLI_CACHE=1)
 * and in the installed package (`npm pack`, installed into a temporary project, as
 * test/package/pack.test.ts does; skipped in quick mode). Figures only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchResult } from './types.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Case {
  readonly command: string;
  readonly where: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

/** Wall time of one whole process, ms. */
function timeOnce(c: Case): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.args, { cwd: c.cwd ?? root, env: { ...process.env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.command} (${c.where}) exited ${r.status}: ${String(r.stderr).trim().split('\n').slice(-2).join(' | ')}`);
  return ms;
}

/**
 * Median wall time of each case. The runs are interleaved (one of each case per round), so a
 * change in the machine's load touches every case alike rather than one.
 */
function medians(cases: readonly Case[], runs: number): number[] {
  for (const c of cases) timeOnce(c);
  const times = cases.map((): number[] => []);
  for (let i = 0; i < runs; i++) cases.forEach((c, k) => times[k]!.push(timeOnce(c)));
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
}

/** Packs the checkout and installs the tarball into a temporary project; returns its bin/toxstate.js and a cleanup. */
function installPackage(): { bin: string; cleanup: () => void } {
  const work = mkdtempSync(join(tmpdir(), 'toxstate-cli-start-'));
  const cleanup = (): void => rmSync(work, { recursive: true, force: true });
  try {
    execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root, stdio: 'pipe', timeout: 300_000 });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack produced no tarball');
    const project = join(work, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)], { cwd: project, stdio: 'pipe', timeout: 300_000 });
    return { bin: join(project, 'node_modules', 'toxstate', 'bin', 'toxstate.js'), cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

export const cliStartBench: Bench = {
  name: 'cli-start',
  title: 'CLI cold start: median wall time of a whole `toxstate` process, against bare `node -e 0`',
  async run({ quick }): Promise<BenchResult> {
    const runs = quick ? 1 : 15;
    const bin = join(root, 'bin', 'toxstate.js');
    const tsx = { TOXSTATE_NO_CLI_CACHE: '1' };
    const cases: Case[] = [
      { command: 'node -e 0', where: '', args: ['-e', '0'] },
      { command: 'toxstate --version', where: 'checkout', args: [bin, '--version'] },
      { command: 'toxstate --help', where: 'checkout', args: [bin, '--help'] },
    ];
    // Quick mode (the test suite's smoke run) keeps to the three above.
    if (!quick) {
      cases.push(
        { command: 'toxstate sim --help', where: 'checkout', args: [bin, 'sim', '--help'] },
        { command: 'toxstate --help', where: 'checkout, tsx', args: [bin, '--help'], env: tsx },
        { command: 'toxstate sim --help', where: 'checkout, tsx', args: [bin, 'sim', '--help'], env: tsx },
      );
    }
    const notes = [
      `median of ${runs} runs of each (interleaved) after one warm-up run; "× node" is the ratio to \`node -e 0\` (the goal: --version ≤ 3× in a checkout, ≤ 2× installed)`,
      'checkout: bin/toxstate.js answers --version itself and runs other commands from the CLI bundled ahead into node_modules/.cache/toxstate (rebuilt when a source changes); "tsx" rows run the TypeScript sources (TOXSTATE_NO_CLI_CACHE=1)',
    ];
    let installed: { bin: string; cleanup: () => void } | null = null;
    if (quick) notes.push('quick mode: the installed package is not packed and installed');
    else {
      installed = installPackage();
      const cwd = join(installed.bin, '..', '..');
      for (const args of [['--version'], ['--help'], ['sim', '--help']]) cases.push({ command: `toxstate ${args.join(' ')}`, where: 'installed', args: [installed.bin, ...args], cwd });
    }
    let ms: number[];
    try {
      ms = medians(cases, runs);
    } finally {
      installed?.cleanup();
    }
    const node = ms[0]!;
    const rows: Array<Record<string, string | number>> = cases.map((c, k) => ({ command: c.command, where: c.where, 'median ms': Math.round(ms[k]!), '× node': Number((ms[k]! / node).toFixed(2)) }));
    if (quick) for (const command of ['toxstate --version', 'toxstate --help']) rows.push({ command, where: 'installed', 'median ms': 'n/a', '× node': 'n/a' });
    return { rows, notes };
  },
};
