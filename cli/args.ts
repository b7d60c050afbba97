/**
 * Argument parsing shared by every command: `node:util` parseArgs in strict mode, with its
 * errors turned into one-line `CliError`s that name the bad option.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What `parse` returns for an option spec (named so declarations can be emitted). */
export type Parsed<T extends OptionSpec> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>>;

export function parse<T extends OptionSpec>(argv: readonly string[], options: T, command: string, allowPositionals = false): Parsed<T> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals });
  } catch (e) {
    throw new CliError(`${command}: ${parseError(e)} (see 'toxstate ${command} --help')`);
  }
}

/**
 * parseArgs's errors said the way the other errors are ("unknown option --x"), not in its own
 * wording ("Option '--x <value>' argument missing"); an error it may add later is kept as it is.
 */
function parseError(e: unknown): string {
  const msg = (e instanceof Error ? e.message.split('\n')[0]! : String(e)).replace(/^TypeError \[[A-Z_]+\]: /, '');
  const code = (e as { code?: unknown } | null)?.code;
  const quoted = /'([^']*)'/.exec(msg)?.[1]?.replace(/ <value>$/, '');
  if (quoted === undefined) return msg;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${JSON.stringify(quoted)}: this command takes options only`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/argument missing|ambiguous/.test(msg)) return `${quoted} needs a value`;
    if (/does not take an argument/.test(msg)) return `${quoted} takes no value`;
  }
  return msg;
}

/**
 * `--port -1` as `--port=-1`: parseArgs would call a value that starts with '-' ambiguous; a
 * negative number after an option taking a value is that option's value (checked by intOption).
 */
function joinNegativeValues(argv: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const spec = a.startsWith('--') ? options[a.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * Parses a whole number within a range, or fails naming the option and the range (after
 * `command: ` when given, as that command's other errors are).
 */
export function intOption(value: string | undefined, name: string, min: number, max: number, command?: string): number | undefined {
  if (value === undefined) return undefined;
  const at = command !== undefined ? `${command}: ` : '';
  if (!/^\d+$/.test(value)) throw new CliError(`${at}--${name} must be a whole number between ${min} and ${max}, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new CliError(`${at}--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}
