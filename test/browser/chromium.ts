/** The browser the inspector's browser tests drive: Debian's Chromium, with flags that keep it on this machine. */
import { ensureDebianTool } from '../../harness/debian-tool.js';

export const CHROMIUM = '/usr/bin/chromium';
/** These flags keep Chromium from reaching outside hosts and let it run as root. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

/** Chromium present (installed when root), or why not. */
export const ensureChromium = (): string | null => ensureDebianTool(CHROMIUM, 'chromium');

/**
 * Why the browser suite cannot run here (printed as `SKIPPED: browser tests: …`), or null. CI
 * (.ci/run, as root) requires the suite: under TOXSTATE_REQUIRE_BROWSER=1 a skip is a failure.
 */
export function browserSkipReason(): string | null {
  const reason = ensureChromium();
  if (reason === null) return null;
  console.log(`SKIPPED: browser tests: ${reason}`);
  if (process.env['TOXSTATE_REQUIRE_BROWSER'] === '1') throw new Error(`SKIPPED: browser tests: ${reason}`);
  return reason;
}
