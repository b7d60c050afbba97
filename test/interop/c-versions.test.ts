/**
 * The version picker every interop suite shares (harness/interop/c-versions.ts): 0.2.23 comes from
 * $TOXSTATE_CTOXCORE_0223_PREFIX, is marked unavailable (a SKIPPED line) where nothing is installed
 * there, and under TOXSTATE_REQUIRE_0223=1 a missing 0.2.23 rejects, so the suite fails instead of
 * running 0.2.18 alone. Test names carry `[c-toxcore <version>]`. (The SKIPPED lines here are
 * collected, never printed: .ci/run fails a run that prints one.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cTag, findCVersions } from '../../harness/interop/c-versions.js';
import { prefix0223 } from '../../harness/campaign/scenarios.js';
import { interopAvailability, prefixAvailability } from '../../harness/interop/native-build.js';

const saved = { prefix: process.env['TOXSTATE_CTOXCORE_0223_PREFIX'], require: process.env['TOXSTATE_REQUIRE_0223'] };
const restore = (name: string, value: string | undefined): void => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};
afterEach(() => {
  restore('TOXSTATE_CTOXCORE_0223_PREFIX', saved.prefix);
  restore('TOXSTATE_REQUIRE_0223', saved.require);
});

const interop = await interopAvailability();
const real0223 = interop.ok && (await prefixAvailability(prefix0223())).ok;

describe('cVersions', () => {
  it('names each version in the test-name tag', () => {
    expect(cTag({ version: '0.2.18' })).toBe('[c-toxcore 0.2.18]');
    expect(cTag({ version: '0.2.23' })).toBe('[c-toxcore 0.2.23]');
  });

  it('0.2.18 first with no options, then 0.2.23 selected by its prefix; nothing at the prefix: unavailable', async () => {
    process.env['TOXSTATE_CTOXCORE_0223_PREFIX'] = '/nonexistent/c-toxcore';
    delete process.env['TOXSTATE_REQUIRE_0223'];
    const lines: string[] = [];
    const [a, b] = await findCVersions((l) => lines.push(l));
    expect(a).toEqual({ version: '0.2.18', extra: {}, available: interop.ok });
    expect(b).toEqual({ version: '0.2.23', extra: { toxcorePrefix: '/nonexistent/c-toxcore' }, available: false });
    if (interop.ok) expect(lines).toEqual([expect.stringMatching(/^SKIPPED: c-toxcore 0\.2\.23 interop: not found at \/nonexistent\/c-toxcore /)]);
  });

  it('under TOXSTATE_REQUIRE_0223=1 a missing 0.2.23 rejects, naming the prefix and the switch', async () => {
    process.env['TOXSTATE_CTOXCORE_0223_PREFIX'] = '/nonexistent/c-toxcore';
    process.env['TOXSTATE_REQUIRE_0223'] = '1';
    const lines: string[] = [];
    await expect(findCVersions((l) => lines.push(l))).rejects.toThrow(/0\.2\.23.*\/nonexistent\/c-toxcore.*TOXSTATE_REQUIRE_0223=1 requires it/);
    expect(lines).toEqual([]);
  });

  it.skipIf(!real0223)('an installed 0.2.23 is available under the switch', async () => {
    process.env['TOXSTATE_REQUIRE_0223'] = '1';
    const lines: string[] = [];
    const [, b] = await findCVersions((l) => lines.push(l));
    expect(lines).toEqual([]);
    expect(b).toMatchObject({ version: '0.2.23', available: true, extra: { toxcorePrefix: prefix0223() } });
  });
});
