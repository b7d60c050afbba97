/** `toxstate conformance`: writes docs/conformance.md (generated, never hand-edited). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { readRegularFile, UserFileError } from '../../runtime/adapters/read-regular-file.js';
import { CliError, explainError } from '../errors.js';

const USAGE = `Usage: toxstate conformance [--run | --results FILE] [--out FILE]

Writes the protocol conformance report: every rule toxstate implements (timers, constants,
packets, the state transitions of c-toxcore's net_crypto and friend_connection, where spec.md
and c-toxcore differ), toxstate's value, the machine transition or code implementing it, the
tests proving it with their results, and the interop results against c-toxcore 0.2.18.
Rules not implemented yet are listed as such.

  --run            run the referenced tests first (vitest; needs a source checkout)
  --results FILE   take test results from a vitest JSON report (vitest --reporter=json)
  --out FILE       where to write (default docs/conformance.md in the project; a report
                   without --run or --results has no test verdicts and needs --out)
  -h, --help       show this help

Exit status: 0 when the report was written (failed tests are reported in it); 2 on bad input
(a missing or unreadable results file, not a vitest JSON report, --run and --results together,
neither of them without --out).`;

/** The project root of a checkout (where conformance/ and test/ live). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'conformance')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new CliError('conformance needs a source checkout of toxstate (its tests and rule list are not part of the installed package)');
}

export const command: Command = {
  summary: 'write the protocol conformance report (docs/conformance.md)',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(argv, { run: { type: 'boolean' }, results: { type: 'string' }, out: { type: 'string' } }, 'conformance');
    // An empty name is a mistake, never "not given" (that would rewrite docs/conformance.md).
    for (const o of ['results', 'out'] as const) if (values[o] === '') throw new CliError(`conformance: --${o} needs a file name`);
    if (values.run && values.results) throw new CliError('conformance: give --run or --results, not both');
    // Without test results the report has no verdicts: never let that replace the project's report by default.
    if (!values.run && !values.results && values.out === undefined) {
      throw new CliError('conformance: give --run (run the tests) or --results FILE; a report without test results is written only with --out FILE');
    }
    const root = projectRoot();
    const { readVitestJson, referencedTestFiles, renderConformance, validateRules } = await import('../../conformance/report.js');
    const problems = validateRules(root);
    if (problems.length) throw new CliError(`conformance rules refer to things that do not exist:\n  ${problems.join('\n  ')}`);
    let results = null;
    if (values.results) {
      let text: string;
      try {
        // A regular file of at most 256 MiB (a FIFO or /dev/zero is refused at once).
        text = new TextDecoder().decode(await readRegularFile(values.results, 256 * 1024 * 1024, 'for a test report'));
      } catch (e) {
        throw new CliError(`conformance: --results ${values.results}: ${e instanceof UserFileError ? e.problem : e instanceof Error ? e.message : String(e)}`);
      }
      try {
        results = readVitestJson(text, root);
      } catch (e) {
        throw new CliError(`conformance: --results ${values.results}: not a vitest JSON report (${e instanceof Error ? e.message : String(e)})`);
      }
    } else if (values.run) {
      const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
      if (!existsSync(vitest)) throw new CliError('conformance: --run needs the dev dependencies (npm install in the checkout)');
      const tmp = mkdtempSync(join(tmpdir(), 'toxstate-conformance-'));
      const out = join(tmp, 'results.json');
      const files = referencedTestFiles(root);
      process.stderr.write(`conformance: running ${files.length} test files…\n`);
      try {
        execFileSync(process.execPath, [vitest, 'run', '--reporter=json', `--outputFile=${out}`, ...files], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      } catch {
        // Failures are part of the report; a missing output file is not.
      }
      if (!existsSync(out)) throw new CliError('conformance: the test run produced no results');
      results = readVitestJson(readFileSync(out, 'utf8'), root);
      rmSync(tmp, { recursive: true, force: true });
    }
    const target = resolve(values.out ?? join(root, 'docs', 'conformance.md'));
    const report = `${renderConformance(root, results)}\n`;
    try {
      writeFileSync(target, report);
    } catch (e) {
      throw new CliError(`conformance: cannot write ${explainError(e)}`);
    }
    console.log(`wrote ${target}`);
    return 0;
  },
};
