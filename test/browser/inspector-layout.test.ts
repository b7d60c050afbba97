/**
 * The inspector on a laptop (issue 19), in headless Chromium: at 1280×800 and 1920×1080 the
 * selected friend session's chart is fitted so that every state is in sight with labels at
 * least 11 px tall, no text is cut off (the filter's placeholder, the details panel, the
 * timeline's header, the tabs), the facts table and the session's path are in the default view;
 * zoom (buttons, ctrl-wheel), pan (drag) and fit work; ← → step through the timeline; the demo
 * waits paused at t = 0 until the page connects; Restart brings it back to t = 0.
 *
 * Like test/browser/inspector.test.ts: the demo runs in this process on the simulated network,
 * the page is served on 127.0.0.1 and every request elsewhere is refused.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRIEND_SESSION_STATES } from '../../machines/index.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { demoInspectorOptions, simulatedDemo, type DemoTarget } from '../../inspector/demo.js';
import { startInspector, type InspectorOptions, type RunningInspector } from '../../inspector/server.js';
import { browserSkipReason, CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

let skipReason: string | null = null;
let crypto: Crypto;
let browser: Browser | null = null;
const running: RunningInspector[] = [];

beforeAll(async () => {
  skipReason = browserSkipReason();
  if (skipReason) return;
  crypto = await loadCrypto();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  for (const r of running) await r.close();
});

/** The demo (Bob shown first), optionally run until Bob's session with Alice is Established, in a page of the given size. */
async function open(size: { width: number; height: number }, opts: { established?: boolean; inspector?: InspectorOptions; demo?: DemoTarget } = {}) {
  const demo = opts.demo ?? simulatedDemo({ crypto, seed: 2026 });
  const bob = demo.demo!.bob.node.engine;
  const alice = demo.demo!.alice.node.engine.selfHex;
  if (opts.established) {
    demo.demo!.sim.runUntilTrue(() => bob.progressOf(alice) === 'Established', 60_000);
    demo.demo!.sim.runFor(1_000);
  }
  const inspector = await startInspector(demo.target, { port: 0, ...opts.inspector });
  running.push(inspector);
  const page = await browser!.newPage({ viewport: size });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', (route) => (route.request().url().startsWith(inspector.origin) ? route.continue() : route.abort()));
  await page.goto(inspector.url);
  await page.waitForSelector('body[data-ready=true]');
  await page.waitForSelector('svg[data-machine=friendSession]');
  expect(errors).toEqual([]);
  return { demo, inspector, page, bob, alice };
}

/** The browser globals the probes below use, loosely typed (the project compiles without the DOM library). */
interface Dom {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly document: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly element: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  getComputedStyle(el: any): { fontSize: string; fontFamily: string; paddingLeft: string; paddingRight: string };
  readonly innerWidth: number;
  readonly innerHeight: number;
}

interface StateBox {
  readonly state: string;
  readonly box: { left: number; top: number; right: number; bottom: number };
  /** The title's font size as drawn: its computed size in chart units × the chart's scale. */
  readonly labelPx: number;
}

/** Every state of the friend session chart: where it is drawn and how big its label is. */
const stateBoxes = (page: Page): Promise<{ states: StateBox[]; view: StateBox['box']; window: { width: number; height: number } }> =>
  page.evaluate(() => {
    // This runs in the page; the project's TypeScript has no DOM types.
    const { document, getComputedStyle, innerWidth, innerHeight } = globalThis as unknown as Dom;
    const svg = document.querySelector('.chart:not([hidden]) svg[data-machine=friendSession]');
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const r = (el: Dom['element']) => {
      const b = el.getBoundingClientRect();
      return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
    };
    const states = [...svg.querySelectorAll('g.state')].map((g) => ({
      state: g.getAttribute('data-state') ?? '',
      box: r(g.querySelector('rect')!),
      labelPx: parseFloat(getComputedStyle(g.querySelector('text.title')!).fontSize) * scale,
    }));
    return { states, view: r(svg.closest('.chart-view')!), window: { width: innerWidth, height: innerHeight } };
  });

/** Text that does not fit where it is drawn: elements whose content is wider (or taller) than their box. */
const clipped = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    const { document, getComputedStyle, innerWidth } = globalThis as unknown as Dom;
    const out: string[] = [];
    const name = (el: Dom['element']) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    // The filter's placeholder, measured in the input's own font against its content box.
    const input = document.getElementById('filter');
    const cs = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `${cs.fontSize} ${cs.fontFamily}`;
    const room = input.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (ctx.measureText(input.placeholder).width > room) out.push(`placeholder "${input.placeholder}" (${Math.round(ctx.measureText(input.placeholder).width)} px in ${room} px)`);
    // The details panel scrolls down, never sideways, and nothing in it overflows its box.
    const details = document.getElementById('details')!;
    if (details.scrollWidth > details.clientWidth + 1) out.push(`#details scrolls sideways (${details.scrollWidth} > ${details.clientWidth})`);
    const checked = [
      ...details.querySelectorAll('h4, td, th, div, p'),
      ...document.querySelectorAll('.trow.head > span, #chart-tabs .tab, #zoom button, #zoom label, .chart:not([hidden]) h3 > span, #charts-head > *, #top button, #top label, #travel button, #cursor-info, .panel-head span'),
    ];
    for (const el of checked) {
      if (!el.offsetParent) continue; // not displayed
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) out.push(name(el));
    }
    // Every header cell of the timeline is inside the window.
    for (const el of document.querySelectorAll('.trow.head > span')) if (el.getBoundingClientRect().right > innerWidth + 0.5) out.push(`${name(el)} beyond the window`);
    return out;
  });

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

describe('the inspector at laptop and desktop sizes', () => {
  for (const size of SIZES) {
    it(`${size.width}×${size.height}: every friend-session state in sight with labels ≥ 11 px, nothing cut off, facts and path in view`, async (ctx) => {
      if (skipReason) return ctx.skip();
      const { page } = await open(size, { established: true });
      await expect.poll(() => page.locator('#zoom-level').textContent()).toContain('fit');
      const { states, view, window } = await stateBoxes(page);
      expect(states.map((s) => s.state).sort()).toEqual([...FRIEND_SESSION_STATES].sort());
      for (const s of states) {
        expect(s.labelPx, s.state).toBeGreaterThanOrEqual(11);
        // Inside the chart's visible area, and so inside the window.
        expect(s.box.left, s.state).toBeGreaterThanOrEqual(view.left - 0.5);
        expect(s.box.top, s.state).toBeGreaterThanOrEqual(view.top - 0.5);
        expect(s.box.right, s.state).toBeLessThanOrEqual(view.right + 0.5);
        expect(s.box.bottom, s.state).toBeLessThanOrEqual(view.bottom + 0.5);
        expect(view.right).toBeLessThanOrEqual(window.width);
        expect(view.bottom).toBeLessThanOrEqual(window.height);
      }
      expect(await clipped(page)).toEqual([]);
      // The session is established over UDP: its path is shown by the chart and in the list.
      expect(await page.locator('#charts-head [data-testid=path]').textContent()).toBe('path udp');
      expect(await page.locator('#charts-head [data-testid=path]').isVisible()).toBe(true);
      expect(await page.locator('.frow.selected .path').textContent()).toBe('udp');
      // The facts table's rows are in the details panel's visible part, inside the window.
      const facts = await page.locator('#facts tr[data-fact]').evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().bottom));
      const panel = await page.locator('#details').evaluate((d) => d.getBoundingClientRect().bottom);
      expect(facts).toHaveLength(2);
      for (const bottom of facts) expect(bottom).toBeLessThanOrEqual(Math.min(panel, size.height));
      await page.close();
    }, 60_000);
  }

  it('1024×768: nothing is cut off', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { page } = await open({ width: 1024, height: 768 }, { established: true });
    expect(await clipped(page)).toEqual([]);
    await page.close();
  }, 60_000);

  it('zooms with the buttons and ctrl-wheel (never below 11 px), pans by dragging, and fits again', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { page } = await open({ width: 1280, height: 800 }, { established: true });
    const svg = page.locator('.chart:not([hidden]) svg[data-machine=friendSession]');
    const scale = (): Promise<number> => svg.evaluate((el) => el.getBoundingClientRect().width / Number(el.getAttribute('data-w')));
    const fit = await scale();
    expect(fit).toBeGreaterThanOrEqual(1);
    await page.locator('#zoom-in').click();
    await expect.poll(scale).toBeCloseTo(fit * 1.25, 2);
    expect(await page.locator('#zoom-level').textContent()).not.toContain('fit');
    // Zoomed in, the chart is bigger than its view: dragging pans it.
    const view = page.locator('.chart:not([hidden]) .chart-view');
    const scroll = (): Promise<[number, number]> => view.evaluate((el) => [el.scrollLeft, el.scrollTop]);
    const before = await scroll();
    const b = (await view.boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2 + 60, b.y + b.height / 2 + 40, { steps: 4 });
    await page.mouse.up();
    const after = await scroll();
    expect(after).not.toEqual(before);
    expect(after[0] + after[1]).toBeLessThan(before[0] + before[1]); // dragged right and down: the view moves up and left
    // ctrl + wheel zooms in and out; out stops at 11 px labels.
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -200);
    await expect.poll(scale).toBeGreaterThan(fit * 1.25 + 0.01);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, 600);
    await page.keyboard.up('Control');
    await expect.poll(scale).toBeCloseTo(1, 2);
    // The keys: + zooms, 0 fits.
    await page.locator('body').press('+');
    await expect.poll(scale).toBeCloseTo(1.25, 2);
    await page.locator('#zoom-fit').click();
    await expect.poll(scale).toBeCloseTo(fit, 2);
    expect(await page.locator('#zoom-level').textContent()).toContain('fit');
    await page.close();
  }, 60_000);

  it('← and → step the shown entry (not while typing in the filter)', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { page, bob } = await open({ width: 1280, height: 800 }, { established: true });
    const last = bob.journal.lastSeq;
    await page.waitForSelector(`body[data-view-seq="${last}"]`);
    await page.locator('#details-title').click(); // focus on the page, not in a field
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`body[data-view-seq="${last - 1}"]`);
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`body[data-view-seq="${last - 2}"]`);
    await expect.poll(() => page.locator('#timeline .trow.cursor').getAttribute('data-seq')).toBe(String(last - 2));
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`body[data-view-seq="${last - 1}"]`);
    // In the filter the arrows move the text cursor, not the timeline.
    await page.locator('#filter').click();
    await page.keyboard.press('ArrowLeft');
    await page.locator('#details-title').click();
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`body[data-view-seq="${last}"]`);
    await page.close();
  }, 60_000);

  it('the demo waits paused at t = 0 until the page connects, then runs; Restart brings it back to t = 0', async (ctx) => {
    if (skipReason) return ctx.skip();
    const demo = simulatedDemo({ crypto, seed: 2026 });
    const initialSeq = demo.demo!.bob.node.engine.journal.lastSeq;
    const { page, inspector } = await open({ width: 1280, height: 800 }, { demo, inspector: demoInspectorOptions(demo) });
    // Connected: it runs.
    await page.waitForSelector('body[data-running=true]');
    await expect.poll(() => demo.demo!.sim.now).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.waitForSelector('body[data-running=false]');
    const oldSim = demo.demo!.sim;
    oldSim.runFor(3_000);
    await expect.poll(() => page.locator('#clock').textContent()).not.toMatch(/^t = 0\.000 s/);
    await page.getByRole('button', { name: 'Restart', exact: true }).click();
    await expect.poll(() => page.locator('#clock').textContent()).toMatch(/^t = 0\.000 s · paused at the start/);
    expect(demo.demo!.sim).not.toBe(oldSim);
    expect(inspector.model.control!.status()).toMatchObject({ running: false, now: 0 });
    await expect.poll(() => page.locator('body').getAttribute('data-last-seq')).toBe(String(initialSeq));
    await expect.poll(() => page.locator('svg[data-machine=friendSession]').getAttribute('data-state-value')).toBe('AwaitingDHTKey');
    // Step walks the new network from its start.
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => page.locator('body').getAttribute('data-last-seq')).not.toBe(String(initialSeq));
    await page.close();
  }, 60_000);
});
