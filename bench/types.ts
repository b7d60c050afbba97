/** The shape of a benchmark: it runs, then returns rows of figures (printed as a table). */
export interface BenchContext {
  /** A smoke run with tiny sizes (used by the test suite). */
  readonly quick: boolean;
}

export interface BenchResult {
  readonly rows: ReadonlyArray<Record<string, string | number>>;
  readonly notes: readonly string[];
}

export interface Bench {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
