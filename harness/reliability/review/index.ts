/**
 * Every scenario of the outside attack review (issue 13), by topic, for `npm run fuzz`, which
 * prints the outcomes and writes them into docs/reliability.md ("Attack review"). The tests in
 * test/reliability/review/ run the same scenarios and assert them.
 */
import type { Crypto } from '../../../protocol/crypto.js';
import { runCrashesReview } from './crashes.js';
import { runInspectorReview } from './inspector.js';
import { runNetCryptoReview } from './net-crypto.js';
import { runOnionReview } from './onion.js';
import type { ReviewOutcome } from './outcome.js';
import { runProfileReview } from './profile.js';

export const REVIEW_TOPICS: ReadonlyArray<{ topic: string; run: (crypto: Crypto) => Promise<ReviewOutcome[]> }> = [
  { topic: 'remote crashes and the accept bound (items 1, 2, 5)', run: runCrashesReview },
  { topic: 'net_crypto denials of service (items 3, 10)', run: runNetCryptoReview },
  { topic: 'DHT Sybils and replayed announces (items 4, 9)', run: runOnionReview },
  { topic: 'the inspector (item 6)', run: runInspectorReview },
  { topic: 'profiles on disk (items 7, 8)', run: runProfileReview },
];

/** Runs every topic in turn (each bounded; about 2–3 minutes in all), reporting progress. */
export async function runReview(crypto: Crypto, onTopic: (topic: string) => void = () => undefined): Promise<ReviewOutcome[]> {
  const out: ReviewOutcome[] = [];
  for (const t of REVIEW_TOPICS) {
    onTopic(t.topic);
    out.push(...(await t.run(crypto)));
  }
  return out;
}
