/**
 * The inspector page over a recording (`toxstate inspect --pcap`) in a real browser: headless
 * Debian Chromium driven by playwright-core, as test/browser/inspector.test.ts (same flags, same
 * skip rule: `SKIPPED: browser tests: <reason>` without /usr/bin/chromium, a failure under
 * TOXSTATE_REQUIRE_BROWSER=1). The doctored capture without a cookie response is reconstructed in
 * this process and served on 127.0.0.1; the page must start paused at the first step, mark the
 * violation in the timeline, and on it mark the edge the model expected and show the finding.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCapture } from '../../conformance/monitor/check.js';
import { recordingTarget } from '../../inspector/recording.js';
import { startInspector } from '../../inspector/server.js';
import { browserSkipReason, CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { ALICE_TOX, GOLDEN_PCAP, keyProfile, kindOf, readDatagrams, without } from '../conformance/doctor.js';

const EXPECTED_EDGE = 'AcquiringCookie->AwaitingHandshake';
/** docs/inspector-check.png is refreshed only on request (`npm run docs:screenshot`), at the violation. */
const SCREENSHOT = process.env['TOXSTATE_UPDATE_SCREENSHOT'] === '1' ? new URL('../../docs/inspector-check.png', import.meta.url) : null;

let skipReason: string | null = null;
let browser: Browser | null = null;

beforeAll(async () => {
  skipReason = browserSkipReason();
  if (skipReason) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

describe('the inspector page over a recording', () => {
  it('starts at the first step, marks the violation in the timeline and, on it, the expected edge and the finding', async (ctx) => {
    if (skipReason) return ctx.skip();
    const datagrams = without(await readDatagrams(GOLDEN_PCAP), (d) => kindOf(d) === 'cookie_response');
    const report = checkCapture(datagrams, [await keyProfile(ALICE_TOX)], await loadCrypto());
    const inspector = await startInspector(recordingTarget(report, 'no-cookie-response.pcap'), { port: 0 });
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route('**/*', (route) => (route.request().url().startsWith(inspector.origin) ? route.continue() : route.abort()));
      await page.goto(inspector.url);
      await page.waitForSelector('body[data-ready=true]');
      expect(await page.locator('#mode').textContent()).toBe('recording');
      // Paused at the first step, with the pair's sessions (Alice's first) and Alice's toxid: task.
      expect(await page.locator('body').getAttribute('data-view-seq')).toBe('1');
      expect(await page.locator('#sim-controls').isHidden()).toBe(true);
      const session = page.locator('.chart[data-role=session]');
      expect(await session.locator('svg').getAttribute('data-machine')).toBe('friendSession');
      expect(await page.locator('#charts svg').evaluateAll((svgs) => svgs.map((x) => x.getAttribute('data-machine')))).toEqual(['friendSession', 'friendSession', 'toxidAnnounce']);
      // The timeline is virtualised: find the rows in the model, travel there with the slider.
      const rows = inspector.model.journal(0, { limit: 1000 }).rows;
      const travel = async (seq: number): Promise<void> => {
        await page.locator('#scrub').fill(String(seq));
        await page.waitForSelector(`body[data-view-seq="${seq}"]`);
      };
      // Alice's first cookie request: two inferred transitions, both highlighted.
      await travel(rows.find((r) => r.verdict === 'inferred')!.seq);
      await expect.poll(() => session.locator('g.edge.last').count()).toBe(2);
      expect(await session.locator('[data-testid=state]').textContent()).toBe('AcquiringCookie');
      // The violation is marked in the timeline (distinct style), and on it the expected edge and the finding.
      const seq = rows.find((r) => r.verdict === 'violation')!.seq;
      await travel(seq);
      const row = page.locator('#timeline .trow[data-verdict=violation]');
      await row.waitFor();
      expect(await row.count()).toBe(1);
      expect(await row.getAttribute('data-seq')).toBe(String(seq));
      expect(await row.locator('.verdict.violation').isVisible()).toBe(true);
      expect(await row.textContent()).toContain('st.cookie-response');
      type Styled = { getComputedStyle(e: unknown): { backgroundColor: string } };
      const background = (el: unknown): string => (globalThis as unknown as Styled).getComputedStyle(el).backgroundColor;
      expect(await row.evaluate(background)).not.toBe(await page.locator('#timeline .trow:not([data-verdict=violation])').first().evaluate(background));
      const edge = session.locator(`g.edge.expected[data-edge="${EXPECTED_EDGE}"]`);
      await edge.waitFor();
      expect(await edge.isVisible()).toBe(true);
      expect(await session.locator('g.edge.expected').count()).toBe(1);
      const finding = page.locator('#details .finding.violation[data-rule="st.cookie-response"]');
      expect(await finding.isVisible()).toBe(true);
      expect(await finding.textContent()).toContain('AcquiringCookie|packet.cookieResponse|0');
      if (SCREENSHOT) {
        await page.screenshot({ path: fileURLToPath(SCREENSHOT) });
        expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
      }
      // One step forward (Bob's step): the cursor and the page follow.
      await page.locator('#fwd').click();
      await page.waitForSelector(`body[data-view-seq="${seq + 1}"]`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await inspector.close();
    }
  }, 120_000);
});
