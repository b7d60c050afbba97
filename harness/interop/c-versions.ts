/**
 * The c-toxcore versions every interop suite runs on (issue 19): Debian's libtoxcore 0.2.18, and
 * 0.2.23 installed under `prefix0223()` (built from the vendored v0.2.23 sources by .ci/run; see
 * harness/campaign/README.md). A suite runs its `describe` once per version, with `cTag(v)` —
 * `[c-toxcore 0.2.18]` / `[c-toxcore 0.2.23]` — in its name, and skips a version that is not there.
 *
 * Missing versions: 0.2.18 missing prints the SKIPPED reason (and fails under
 * TOXSTATE_REQUIRE_INTEROP=1, see native-build.ts interopAvailability); 0.2.23 missing prints a
 * SKIPPED line, and under TOXSTATE_REQUIRE_0223=1 (set by .ci/run) `cVersions()` throws, so the
 * suite that asked fails instead of quietly running one version.
 *
 * The peers are selected by CPeerOptions.toxcorePrefix (cpeer.ts, native-build.ts buildCPeerAt).
 */
import { prefix0223 } from '../campaign/scenarios.js';
import type { CPeerOptions } from './cpeer.js';
import { interopAvailability, prefixAvailability } from './native-build.js';

/** One c-toxcore version a scenario runs on: its name, the CPeer options that select it, and whether it is there. */
export interface CVersion {
  readonly version: '0.2.18' | '0.2.23';
  readonly extra: CPeerOptions;
  readonly available: boolean;
}

/** The switch that makes a missing 0.2.23 fail a suite (.ci/run sets it when running as root). */
export const REQUIRE_0223_ENV = 'TOXSTATE_REQUIRE_0223';

/** The tag a test name carries to say which c-toxcore it ran against. */
export const cTag = (v: Pick<CVersion, 'version'>): string => `[c-toxcore ${v.version}]`;

let cached: Promise<readonly [CVersion, CVersion]> | undefined;

/**
 * Both versions, 0.2.23 only when built: a SKIPPED line names why not, and under
 * TOXSTATE_REQUIRE_0223=1 the returned promise rejects instead (a top-level `await` of it fails the
 * test file). Cached per process, so the SKIPPED line is printed once.
 */
export function cVersions(): Promise<readonly [CVersion, CVersion]> {
  cached ??= findCVersions();
  return cached;
}

/** `cVersions()` without the cache, reading the environment now; `log` prints the SKIPPED line (its own test collects it). */
export async function findCVersions(log: (line: string) => void = console.log): Promise<readonly [CVersion, CVersion]> {
  const availability = await interopAvailability();
  const prefix = prefix0223();
  const available0223 = availability.ok ? await prefixAvailability(prefix) : availability;
  if (!available0223.ok) {
    const why = `c-toxcore 0.2.23 interop: not found at ${prefix} (${available0223.reason}); it is built from its source (harness/campaign/README.md)`;
    if (process.env[REQUIRE_0223_ENV] === '1') throw new Error(`${why}, and ${REQUIRE_0223_ENV}=1 requires it`);
    if (availability.ok) log(`SKIPPED: ${why}`);
  }
  return [
    { version: '0.2.18', extra: {}, available: availability.ok },
    { version: '0.2.23', extra: { toxcorePrefix: prefix }, available: available0223.ok },
  ];
}
