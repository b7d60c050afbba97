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
      // A row has figures, or says n/a (a pairing skipped, e.g. without c-toxcore, with a note saying why).
      const hasFigures = (row: Record<string, string | number>): boolean => Object.values(row).some((v) => typeof v === 'number' && v > 0);
      for (const row of r.rows) expect(hasFigures(row) || Object.values(row).includes('n/a')).toBe(true);
      expect(r.rows.some(hasFigures)).toBe(true);
      if (!r.rows.every(hasFigures)) expect(r.notes.length).toBeGreaterThan(0);
    }, 300_000);
  }
});
