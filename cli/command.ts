/** What every `toxstate` subcommand (one file each in cli/commands/) provides. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

/** A subcommand by name, loaded on use so that `toxstate --help` stays instant. */
export interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<{ command: Command }>;
}
