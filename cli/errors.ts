/**
 * The one error type a command raises for bad input: it becomes a one-line message on stderr
 * and a non-zero exit, never a stack trace.
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
