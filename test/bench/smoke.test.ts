/**
 * A smoke run of every benchmark with tiny sizes: each runs to the end and reports figures.
 * (Benchmarks measure; speed is never asserted here.)
 */
import { describe, expect, it } from 'vitest';
import { benches } from '../../bench/registry.js';

describe('benchmarks (smoke run)', () => {
  for (const b of benches) {
    it(`${b.name} runs and reports figures`, async () => {
      const r = await b.run({ quick: true });
      expect(r.rows.length).toBeGreaterThan(0);
      for (const row of r.rows) expect(Object.values(row).some((v) => typeof v === 'number' && v > 0)).toBe(true);
    }, 300_000);
  }
});
