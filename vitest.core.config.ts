/**
 * The state-core tests (`npm run test:core`, and the tests Stryker runs against each mutant of
 * machines/): the model-based traversal, the machine tests (seed scenarios, generated docs, the
 * xstate adapter) and the machine property tests. Under a minute.
 */
import { defineConfig } from 'vitest/config';

export const CORE_TESTS = ['test/model/**/*.test.ts', 'test/machines/**/*.test.ts', 'test/reliability/machine-properties.test.ts'];

export default defineConfig({
  test: {
    include: CORE_TESTS,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
