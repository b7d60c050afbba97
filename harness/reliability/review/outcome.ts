/**
 * The outside attack review (issue 13): each attack it found, performed again against toxstate
 * with real packets (a `toxstate node` process over UDP on loopback, or the simulated network
 * for the timing attacks), and what happened. Each topic module exports scenario functions
 * returning `ReviewOutcome`s: the tests in test/reliability/review/ assert `held`, and `npm run fuzz` renders
 * them as the "Attack review" table of docs/reliability.md.
 */
export interface ReviewOutcome {
  /** The review's item number (1–10). */
  readonly item: number;
  /** What the attacker does, in a sentence. */
  readonly attack: string;
  /** What the review saw before the fix, in a few words (from the review, not measured here). */
  readonly before: string;
  /** What happens now, in words, with the measured figures in it. */
  readonly result: string;
  /** The defence held (the test fails when false). */
  readonly held: boolean;
  /** The measured figures behind `result` (also printed by `npm run fuzz`). */
  readonly figures: Readonly<Record<string, number | string | boolean>>;
}
