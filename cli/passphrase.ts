/**
 * Passphrases for encrypted profiles come from the environment or a prompt on a terminal,
 * never from an argument (arguments are visible to every user of the machine).
 *   TOXSTATE_PASSPHRASE      the profile's passphrase
 *   TOXSTATE_NEW_PASSPHRASE  a new passphrase (export/encrypt)
 */
import { CliError } from './errors.js';

/** Reads a line from the terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          process.stderr.write('\n');
          resolve(answer);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(new CliError('interrupted', 130));
          return;
        }
        if (ch === '\u007f') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    const cleanup = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

/**
 * The passphrase from `envName`, or a prompt when stdin is a terminal; otherwise a clear error
 * saying how to supply it.
 */
export async function passphrase(what: string, envName = 'TOXSTATE_PASSPHRASE'): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.stdin.isTTY) return promptHidden(`${what}: `);
  throw new CliError(`${what} needed: set ${envName} or run on a terminal to be prompted (never pass it as an argument)`);
}
