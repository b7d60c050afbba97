/**
 * The `toxstate` command: dispatches to one file per subcommand in cli/commands/.
 * Every bad input ends as a one-line error and a non-zero exit (cli/errors.ts).
 */
import { readFileSync } from 'node:fs';
import { CRYPTO_ENV_VAR, cryptoChoiceFromEnv, type CryptoChoice } from '../runtime/adapters/crypto-choice.js';
import { COMMANDS } from './commands/index.js';
import { CliError } from './errors.js';

export type { Command } from './command.js';

function version(): string {
  // ../package.json from cli/ in a checkout, ../../package.json from dist/cli/ in the package.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'toxstate') return pkg.version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}

/** `toxstate --help`: the summaries come from the command list, so no command is loaded. */
async function usage(): Promise<string> {
  const lines = [`toxstate ${version()} — a Tox engine built on verified statecharts`, '', 'Usage: toxstate <command> [options]', '', 'Commands:'];
  for (const { name, summary, load } of COMMANDS) lines.push(`  ${name.padEnd(12)} ${summary ?? (await load()).command.summary}`);
  lines.push('', 'Options:', '  -h, --help     show this help', '  -v, --version  print the version', '', "Run 'toxstate <command> --help' for a command's options.");
  return lines.join('\n');
}

/** A bad TOXSTATE_CRYPTO, or =native where sodium-native cannot load, is a one-line error (runtime/adapters/crypto-choice.ts). */
async function checkCryptoChoice(): Promise<void> {
  let choice: CryptoChoice;
  try {
    choice = cryptoChoiceFromEnv();
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (choice !== 'native') return;
  const native = (await import('../runtime/adapters/node-crypto.js')).nativeCryptoAvailability();
  if (!native.ok) throw new CliError(`${CRYPTO_ENV_VAR}=native: ${native.reason} (${CRYPTO_ENV_VAR}=auto falls back to wasm)`);
}

export async function main(argv: string[]): Promise<number> {
  // `toxstate help COMMAND` is `toxstate COMMAND --help`.
  if (argv[0] === 'help' && argv[1] !== undefined) return main([argv[1], '--help']);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === '-V') {
    console.log(version());
    return 0;
  }
  const load = COMMANDS.find((c) => c.name === name)?.load;
  if (!load && name.startsWith('-')) throw new CliError(`unknown option ${name} (run 'toxstate --help' for the options and commands)`);
  if (!load && name === 'conformance') throw new CliError("conformance runs the project's own tests: it works in a source checkout only, not in the installed package");
  if (!load) throw new CliError(`unknown command '${name}' (run 'toxstate --help' for the list)`);
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  await checkCryptoChoice();
  return command.run(rest);
}

const invokedDirectly = process.argv[1] !== undefined && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
const fromBin = process.argv[1] !== undefined && /toxstate(\.js)?$/.test(process.argv[1]);
if (invokedDirectly || fromBin) {
  // A closed pipe (`toxstate dissect … | head`) is a normal way to stop reading, not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof CliError) {
        console.error(`toxstate: ${e.message}`);
        process.exitCode = e.exitCode;
      } else {
        console.error(`toxstate: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        process.exitCode = 70;
      }
    },
  );
}
