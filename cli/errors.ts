/**
 * The one error type a command raises for bad input: it becomes a one-line message on stderr
 * and a non-zero exit, never a stack trace. `explainError` turns Node's system errors (EISDIR,
 * ENOENT, EACCES, …, whose messages read "EISDIR: illegal operation on a directory, open 'x'")
 * into a sentence.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** What each system error code means, said as the end of "cannot … PATH: …". */
const ERRNO_SENTENCES: Readonly<Record<string, string>> = {
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'the file or the directory it would be in does not exist',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space is left on the device',
  EDQUOT: 'the disk quota is used up',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'a loop of symbolic links',
  EMFILE: 'too many open files',
  EBUSY: 'the file is busy',
  EADDRINUSE: 'the address and port are in use',
  EADDRNOTAVAIL: 'the address is not one of this machine',
};

/** "EISDIR: illegal operation on a directory, open '/x/y'" (Node's wording for system errors). */
const ERRNO_MESSAGE = /\b(E[A-Z]{2,15}): [^,]*(?:, [a-z_]+ '([^']*)')?/;

/**
 * The message of `e`, with a Node system error (by its `code`, or its wording inside a longer
 * message) said as a sentence naming the path; other messages unchanged.
 */
export function explainError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const m = ERRNO_MESSAGE.exec(message);
  const code = m?.[1] ?? (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined);
  const sentence = code !== undefined ? ERRNO_SENTENCES[code] : undefined;
  if (sentence === undefined) return message;
  // Temporary files of an atomic save (x.tmp-…) are named by the file they stand for.
  const path = m?.[2]?.replace(/\.tmp-[0-9a-f]+$/, '');
  const named = path !== undefined && path !== '' && !(m !== null && message.slice(0, m.index).includes(path));
  const said = named ? `${path}: ${sentence}` : sentence;
  return m ? message.slice(0, m.index) + said + message.slice(m.index + m[0].length) : `${message} (${sentence})`;
}

/** `e` as a CliError: kept when it is one, else its message explained (`explainError`). */
export function cliError(e: unknown): CliError {
  return e instanceof CliError ? e : new CliError(explainError(e));
}
