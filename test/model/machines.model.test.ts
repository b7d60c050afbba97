/**
 * Model-based tests: every reachable transition of every machine is walked by paths that
 * xstate/graph generates, each step checked against an independent oracle; a coverage check
 * fails, by name, on any transition of a machine definition that no path walked.
 */
import { describe, expect, it } from 'vitest';
import { runModel } from './harness.js';
import { modelConfigs } from './configs.js';

for (const [name, config] of Object.entries(modelConfigs)) {
  describe(`${name} (model-based)`, () => {
    const report = runModel(config);

    it('agrees with the oracle at every step of every generated path', () => {
      expect(report.steps).toBeGreaterThan(report.all.length);
      expect(report.failures).toEqual([]);
    });

    it('walks every transition of the definition', () => {
      const missing = report.missing.map((t) => `${t.id}${t.guard ? ` [${t.guard}]` : ''}`);
      expect(missing, `transitions never walked in ${name}`).toEqual([]);
      expect(report.walked.size).toBe(report.all.length);
    });
  });
}
