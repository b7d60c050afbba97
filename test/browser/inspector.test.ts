/**
 * The inspector page in a real browser: headless Debian Chromium driven by playwright-core.
 * The demo network runs in this process on the simulated network; the page is served by the
 * inspector's own server on 127.0.0.1 and loads nothing from elsewhere.
 *
 * Needs /usr/bin/chromium. When it is missing and we run as root, it is installed with apt
 * (`apt-get install -y chromium`); otherwise the suite prints `SKIPPED: browser tests: <reason>`
 * (and fails instead under TOXSTATE_REQUIRE_BROWSER=1, which .ci/run sets when it runs as root).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMachine } from '../../machines/describe.js';
import { FRIEND_SESSION_STATES, machineSpecs, TOX_PROGRESS } from '../../machines/index.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { actorKeys } from '../../runtime/engine.js';
import { simulatedDemo, type DemoTarget } from '../../inspector/demo.js';
import { startInspector, type RunningInspector } from '../../inspector/server.js';
import { liveTarget } from '../../inspector/target.js';
import { browserSkipReason, CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

/**
 * The README's screenshot is refreshed only on request (`npm run docs:screenshot`, which sets
 * TOXSTATE_UPDATE_SCREENSHOT=1), so that an ordinary test run leaves the tree unchanged.
 */
const SCREENSHOT = process.env['TOXSTATE_UPDATE_SCREENSHOT'] === '1'
  ? new URL('../../docs/inspector.png', import.meta.url)
  : new URL(`file://${join(tmpdir(), `toxstate-inspector-${process.pid}.png`)}`);

let skipReason: string | null = null;
let crypto: Crypto;
let context: BrowserContext | null = null;
let profileDir: string | null = null;
const running: Array<{ inspector: RunningInspector; demo: DemoTarget }> = [];

beforeAll(async () => {
  skipReason = browserSkipReason();
  if (skipReason) return;
  crypto = await loadCrypto();
  mkdirSync(new URL('../../docs/', import.meta.url), { recursive: true });
  profileDir = mkdtempSync(join(tmpdir(), 'toxstate-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1050 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(20_000);
}, 600_000);

afterAll(async () => {
  await context?.close();
  for (const r of running) await r.inspector.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

async function serveDemo(opts: { seed?: number; extraFriends?: number } = {}): Promise<{ inspector: RunningInspector; demo: DemoTarget; page: Page }> {
  const demo = simulatedDemo({ crypto, seed: opts.seed ?? 2026, ...(opts.extraFriends !== undefined ? { extraFriends: opts.extraFriends } : {}) });
  const inspector = await startInspector(demo.target, { port: 0 });
  running.push({ inspector, demo });
  const page = await context!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Nothing may leave the machine: fail on any request to another host.
  const origin = new URL(inspector.url).origin;
  await page.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
  page.on('requestfailed', (r) => {
    if (!r.url().startsWith(origin)) errors.push(`outside request: ${r.url()}`);
  });
  await page.goto(inspector.url);
  await page.waitForSelector('body[data-ready=true]');
  expect(errors).toEqual([]);
  return { inspector, demo, page };
}

/** What a page on another origin managed against the inspector (the script below runs in it). */
interface CrossOriginResults {
  readonly streams: Array<{ path: string; opened: boolean; messages: number }>;
  readonly postSent: boolean;
  readonly apiRead: boolean;
}

/** A page elsewhere: it tries the streams (without and with the token), a text/plain POST, and reading the API. */
function attackerPage(target: string, token: string): string {
  const script = `
    const target = ${JSON.stringify(target)};
    const ws = target.replace('http:', 'ws:');
    const tryStream = (path) => new Promise((resolve) => {
      const r = { path, opened: false, messages: 0 };
      const s = new WebSocket(ws + path);
      s.onopen = () => (r.opened = true);
      s.onmessage = () => r.messages++;
      s.onclose = () => resolve(r);
      setTimeout(() => { s.close(); resolve(r); }, 1500);
    });
    (async () => {
      const streams = [];
      for (const p of ['/stately?friends=all&replay=10000', '/ws', '/stately?friends=all&token=${token}', '/ws?token=${token}']) streams.push(await tryStream(p));
      let postSent = false;
      try {
        await fetch(target + '/api/sim/conditions', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"loss":1,"latencyMs":5000}' });
        await fetch(target + '/api/sim/speed?token=${token}', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"speed":64}' });
        postSent = true;
      } catch {}
      let apiRead = false;
      try {
        await (await fetch(target + '/api/info?token=${token}')).json();
        apiRead = true;
      } catch {}
      window.results = { streams, postSent, apiRead };
      document.body.dataset.done = 'true';
    })();`;
  return `<!doctype html><html><body><script>${script}</script></body></html>`;
}

/** The session chart's active state. */
const activeSession = (page: Page): Promise<string | null> =>
  page.locator('svg[data-machine=friendSession] g.state[data-active=true]').first().getAttribute('data-state');

describe('inspector page', () => {
  it('draws every ToxProgress state and Established in the friend session chart', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { page } = await serveDemo();
    const chart = page.locator('svg[data-machine=friendSession]');
    await expect.poll(() => chart.count()).toBe(1);
    for (const s of [...TOX_PROGRESS, 'Established']) {
      const state = chart.locator(`g.state[data-state="${s}"]`);
      expect(await state.count(), s).toBe(1);
      expect(await state.locator('text.title').textContent()).toContain(s);
    }
    expect(await chart.locator('g.state').count()).toBe(FRIEND_SESSION_STATES.length);
    // Transitions are drawn: edges with labels, and the rows of transitions that stay.
    expect(await chart.locator('g.edge path').count()).toBeGreaterThan(5);
    expect(await chart.locator('text.row').count()).toBeGreaterThan(5);
    // The tasks and the account are drawn too, dhtkeyShare's Active as a box holding its children.
    for (const m of ['dhtkeyShare', 'connect', 'toxidAnnounce']) expect(await page.locator(`svg[data-machine=${m}]`).count(), m).toBe(1);
    expect(await page.locator('svg[data-machine=dhtkeyShare] g.state.compound[data-state=Active]').count()).toBe(1);
    expect(await activeSession(page)).toBe('AwaitingDHTKey');
    // Too big to fit at a readable size, it is drawn compact (one line per state); "all labels"
    // draws every stay transition as a row of its state.
    expect(await chart.getAttribute('data-compact')).toBe('true');
    expect(await chart.locator('text.row').count()).toBe(FRIEND_SESSION_STATES.length);
    await page.locator('#all-labels').check();
    await expect.poll(() => page.locator('svg[data-machine=friendSession]').getAttribute('data-compact')).toBe('false');
    const stays = describeMachine(machineSpecs.friendSession).transitions.filter((t) => t.source !== '' && t.targets.length === 0).length;
    expect(await page.locator('svg[data-machine=friendSession] text.row').count()).toBe(stays);
  }, 60_000);

  it('Pause then Step advances the timeline', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { page, demo } = await serveDemo();
    const viewer = demo.demo!.bob.node.engine; // Bob befriends Alice: the demo shows Bob first
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const before = Number(await page.locator('body').getAttribute('data-last-seq'));
    expect(before).toBe(viewer.journal.lastSeq);
    for (let i = 0; i < 3; i++) {
      const seq = viewer.journal.lastSeq;
      await page.getByRole('button', { name: 'Step', exact: true }).click();
      await expect.poll(() => page.locator('body').getAttribute('data-last-seq')).not.toBe(String(seq));
      // The newest timeline row is the entry the step produced.
      const lastRow = page.locator(`#timeline .trow[data-seq="${viewer.journal.lastSeq}"]`);
      await expect.poll(() => lastRow.count()).toBe(1);
    }
    expect(viewer.journal.lastSeq).toBeGreaterThan(before);
    // Link conditions are the simulated network's own.
    await page.locator('#loss').fill('35');
    await page.locator('#loss').press('Enter');
    await page.locator('#latency').fill('120');
    await page.locator('#latency').press('Enter');
    await expect.poll(() => ({ ...demo.demo!.sim.conditions })).toMatchObject({ loss: 0.35, latencyMs: 120 });
  }, 60_000);

  it('follows a session through its states, then scrubs back to see each earlier state highlighted', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { page, demo } = await serveDemo();
    const viewer = demo.demo!.bob.node.engine; // Bob befriends Alice: the demo shows Bob first
    const friend = demo.demo!.alice.node.engine.selfHex;
    const sim = demo.demo!.sim;
    await page.locator('#speed').selectOption('16');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    // Run until Bob's session with Alice is established, or 30 s of virtual time.
    await expect.poll(() => viewer.progressOf(friend) === 'Established' || sim.now > 30_000, { timeout: 30_000 }).toBe(true);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(() => page.locator('#clock').textContent()).toContain('paused');
    const progress = viewer.progressOf(friend)!;
    await expect.poll(() => activeSession(page)).toBe(progress);

    // The states the session actually passed, from the journal.
    const key = actorKeys.session(friend);
    const changes = viewer.journal.since(0).filter((e) => e.actor === key && e.transition !== null && JSON.stringify(e.from) !== JSON.stringify(e.to));
    const passed = ['AwaitingDHTKey', ...changes.map((e) => String(e.to))];
    for (const s of passed) expect(FRIEND_SESSION_STATES).toContain(s);
    if (progress === 'Established') expect(passed).toContain('Established');

    // Scrub back to each change: the state it entered is highlighted, and before it the state it left.
    for (const e of changes.slice(-6)) {
      await page.locator('#scrub').fill(String(e.seq));
      await page.waitForSelector(`body[data-view-seq="${e.seq}"]`);
      await expect.poll(() => activeSession(page)).toBe(String(e.to));
      // The transition just taken is highlighted on the chart.
      expect(await page.locator(`svg[data-machine=friendSession] [data-transition="${e.transition}"].last`).count()).toBe(1);
      await page.locator('#scrub').fill(String(e.seq - 1));
      await page.waitForSelector(`body[data-view-seq="${e.seq - 1}"]`);
      await expect.poll(() => activeSession(page)).toBe(String(e.from));
    }
    // Back to the moment the session was created (journaled with from = null): its initial state.
    const created = viewer.journal.since(0).find((e) => e.actor === key && e.from === null)!;
    await page.locator('#scrub').fill(String(created.seq));
    await page.waitForSelector(`body[data-view-seq="${created.seq}"]`);
    await expect.poll(() => activeSession(page)).toBe('AwaitingDHTKey');
    // The very beginning of the journal is reachable too.
    await page.getByRole('button', { name: '« first', exact: true }).click();
    await page.waitForSelector(`body[data-view-seq="${viewer.journal.at(0)!.seq - 1}"]`);
    // And back to the present.
    await page.getByRole('button', { name: 'Live', exact: true }).click();
    await expect.poll(() => activeSession(page)).toBe(progress);
  }, 90_000);

  it('saves a screenshot of the demo once Alice and Bob are connected (docs/inspector.png)', async (ctx) => {
    if (skipReason) return ctx.skip();
    // Built to the same point every time (seeded network, virtual clock), so the picture only changes when the page does.
    const demo = simulatedDemo({ crypto, seed: 2026 });
    const viewer = demo.demo!.bob.node.engine; // Bob befriends Alice: the demo shows Bob first
    const friend = demo.demo!.alice.node.engine.selfHex;
    demo.demo!.sim.runUntilTrue(() => viewer.progressOf(friend) === 'Established', 60_000);
    demo.demo!.sim.runFor(1_000);
    const inspector = await startInspector(demo.target, { port: 0 });
    running.push({ inspector, demo });
    const page = await context!.newPage();
    await page.setViewportSize({ width: 1280, height: 800 }); // a laptop (issue 19)
    await page.goto(inspector.url);
    await page.waitForSelector('body[data-ready=true]');
    await expect.poll(() => activeSession(page)).toBe(viewer.progressOf(friend)!);
    await page.screenshot({ path: fileURLToPath(SCREENSHOT) });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await page.close();
  }, 60_000);

  it('shows the selected session\'s facts as a table, live and at each step of time travel, readable at 1280×800', async (ctx) => {
    if (skipReason) return ctx.skip();
    const demo = simulatedDemo({ crypto, seed: 2026 });
    const alice = demo.demo!.alice.node.engine; // Alice's session with Bob learns Bob's address from a DHT search first
    const bob = demo.demo!.bob.node.engine.selfHex;
    demo.demo!.sim.runUntilTrue(() => alice.progressOf(bob) === 'Established', 60_000);
    demo.demo!.sim.runFor(1_000);
    const inspector = await startInspector(demo.target, { port: 0 });
    running.push({ inspector, demo });
    const page = await context!.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(inspector.url);
    await page.waitForSelector('body[data-ready=true]');
    await page.locator('#node').selectOption({ label: 'Alice (1 friend)' });
    await expect.poll(() => page.locator('#charts-head').textContent()).toContain('Bob');
    type Cells = { fact: string; value: string; title: string; source: string; learned: string; confirmed: string; fresh: string };
    const rows = (): Promise<Cells[]> =>
      page.locator('#facts tr[data-fact]').evaluateAll((trs) =>
        trs.map((tr) => {
          const cell = (col: string): string => (tr.querySelector(`[data-col=${col}]`)?.textContent ?? '').trim();
          return {
            fact: tr.getAttribute('data-fact') ?? '',
            value: cell('value'),
            title: tr.querySelector('[data-col=value]')?.getAttribute('title') ?? '',
            source: cell('source'),
            learned: cell('learned'),
            confirmed: cell('confirmed'),
            fresh: cell('fresh'),
          };
        }),
      );
    // Live: both facts, as the session holds them now.
    const ctxNow = alice.actors.get(actorKeys.session(bob))!.snapshot.context as { dhtKey: { value: string; source: string }; address: { value: string; source: string } };
    await expect.poll(async () => (await rows()).map((r) => r.fact)).toEqual(['DHT key', 'address']);
    const [key, addr] = await rows();
    expect(key).toMatchObject({ value: `${ctxNow.dhtKey.value.slice(0, 8)}…`, title: ctxNow.dhtKey.value, source: ctxNow.dhtKey.source });
    expect(addr).toMatchObject({ value: ctxNow.address.value, source: ctxNow.address.source });
    for (const r of [key!, addr!]) {
      expect(r.learned).toMatch(/^(\d+\.\d s ago|now)$/);
      expect(r.confirmed).toMatch(/^(\d+\.\d s ago|now)$/);
      expect(r.fresh).toMatch(/^in \d+\.\d s$/);
    }
    // Nothing in the table is cut off at 1280×800: it fits the details panel, and no cell overflows.
    type Box = { scrollWidth: number; clientWidth: number; textContent: string | null; getBoundingClientRect(): { right: number }; querySelectorAll(s: string): Iterable<Box> };
    const fit = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { getElementById(id: string): Box } }).document;
      const d = doc.getElementById('details');
      const t = doc.getElementById('facts');
      const cells = [...t.querySelectorAll('td, th')].filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent);
      return { table: t.getBoundingClientRect().right, panel: d.getBoundingClientRect().right, scrolls: d.scrollWidth > d.clientWidth + 1, cells };
    });
    expect(fit.table).toBeLessThanOrEqual(fit.panel);
    expect(fit).toMatchObject({ scrolls: false, cells: [] });

    // Time travel: where the address was a DHT search's claim, the table says so.
    const session = actorKeys.session(bob);
    type Ctx = { address: { value: string; source: string } | null; dhtKey: { value: string } | null };
    const claim = alice.journal.since(0).find((e) => e.actor === session && (e.context as Ctx | undefined)?.address?.source === 'dhtSearch')!;
    expect(claim).toBeDefined();
    await page.locator('#scrub').fill(String(claim.seq));
    await page.waitForSelector(`body[data-view-seq="${claim.seq}"]`);
    const atClaim = await rows();
    expect(atClaim[1]).toMatchObject({ fact: 'address', value: (claim.context as Ctx).address!.value });
    expect(atClaim[1]!.source).toBe('dhtSearchclaim, being checked');
    // Where the session was created, it knew neither fact.
    const created = alice.journal.since(0).find((e) => e.actor === session && e.from === null)!;
    await page.locator('#scrub').fill(String(created.seq));
    await page.waitForSelector(`body[data-view-seq="${created.seq}"]`);
    expect((await rows()).map((r) => [r.fact, r.value, r.source, r.learned, r.confirmed, r.fresh])).toEqual([
      ['DHT key', '—', '—', '—', '—', '—'],
      ['address', '—', '—', '—', '—', '—'],
    ]);
    // Only a friend session has facts: the connect task's details have none.
    await page.locator('#chart-tabs .tab[data-role=connect]').click();
    await expect.poll(() => page.locator('#details-title').textContent()).toContain('connect');
    expect(await page.locator('#facts').count()).toBe(0);
    await page.close();
  }, 60_000);

  it('in live mode shows no simulation controls, and filters the timeline to one friend', async (ctx) => {
    if (skipReason) return ctx.skip();
    const demo = simulatedDemo({ crypto, seed: 2026 });
    demo.demo!.sim.runFor(10_000);
    const nodes = demo.target.nodes.filter((n) => n.name === 'Alice' || n.name === 'Bob');
    const inspector = await startInspector(liveTarget(nodes, () => demo.demo!.sim.now), { port: 0 });
    running.push({ inspector, demo });
    const page = await context!.newPage();
    await page.goto(inspector.url);
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.locator('#mode').textContent()).toBe('live');
    expect(await page.getByRole('button', { name: 'Run', exact: true }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Step', exact: true }).isVisible()).toBe(false);
    // The timeline holds every entry (22 px rows), then only Bob's actors' entries.
    const alice = demo.demo!.alice.node.engine;
    const bob = demo.demo!.bob.node.engine.selfHex;
    const spacer = (): Promise<string | null> => page.locator('#timeline .vspacer').evaluate((el) => (el as unknown as { style: { height: string } }).style.height);
    await expect.poll(spacer).toBe(`${alice.journal.size * 22}px`);
    await page.locator('#only-friend').check();
    const bobs = alice.journal.since(0).filter((e) => e.actor.endsWith(bob)).length;
    expect(bobs).toBeLessThan(alice.journal.size);
    await expect.poll(spacer).toBe(`${bobs * 22}px`);
    // The spacer is set before the rows of the new page arrive: wait for the rows too.
    const labels = (): Promise<string[]> => page.locator('#timeline .trow span:nth-child(3)').allTextContents();
    await expect.poll(async () => (await labels()).length > 0 && (await labels()).every((l) => /:Bob$/.test(l))).toBe(true);
    // The other node is one choice away.
    await page.locator('#node').selectOption({ label: 'Bob (1 friend)' });
    await expect.poll(() => page.locator('#charts-head').textContent()).toContain('Alice');
    await page.close();
  }, 60_000);

  it('takes the token off the address bar, and without it says how to get in', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { inspector, page } = await serveDemo();
    expect(inspector.url).toContain('#token=');
    expect(page.url()).toBe(`${inspector.origin}/`);
    // A reload in the same tab keeps working (the token is kept for the tab).
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    // Another tab opened without the token gets nothing from the API.
    const bare = await context!.newPage();
    await bare.goto(`${inspector.origin}/`);
    await expect.poll(() => bare.locator('body').textContent()).toContain('access token');
    expect(await bare.locator('body').getAttribute('data-ready')).toBeNull();
    await bare.close();
    await page.close();
  }, 60_000);

  it('stately.html opens the /stately stream with the token from its fragment, and says so without it', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { inspector, page } = await serveDemo();
    // `inspector=` points the frame at this server instead of stately.ai: nothing leaves the machine.
    const relay = await context!.newPage();
    await relay.goto(`${inspector.origin}/stately.html?node=Alice&inspector=/favicon.ico#token=${inspector.token}`);
    await expect.poll(() => relay.evaluate(() => (globalThis as unknown as { eval: (s: string) => number }).eval('buffer.length'))).toBeGreaterThan(3);
    expect(relay.url()).not.toContain('token');
    const bare = await context!.newPage();
    await bare.goto(`${inspector.origin}/stately.html?node=Alice&inspector=/favicon.ico`);
    await expect.poll(() => bare.locator('#status').textContent()).toContain('access token');
    await Promise.all([relay.close(), bare.close(), page.close()]);
  }, 60_000);

  it('a page on another origin can neither open the streams nor change the demo, even knowing the token', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { inspector, demo, page } = await serveDemo();
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const before = { ...demo.demo!.sim.conditions };
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(attackerPage(new URL(inspector.url).origin, inspector.token));
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const evilPage = await context!.newPage();
      await evilPage.goto(`http://127.0.0.1:${(evil.address() as { port: number }).port}/`);
      await evilPage.waitForSelector('body[data-done=true]', { state: 'attached', timeout: 30_000 });
      const results = (await evilPage.evaluate(() => (globalThis as unknown as { results: CrossOriginResults }).results)) as CrossOriginResults;
      expect(results.streams).toHaveLength(4);
      for (const st of results.streams) expect(st, st.path).toMatchObject({ opened: false, messages: 0 });
      // The no-cors POSTs leave the browser (a page cannot tell the answer), but change nothing.
      expect(results.postSent).toBe(true);
      expect(results.apiRead).toBe(false);
      expect({ ...demo.demo!.sim.conditions }).toEqual(before);
      expect(inspector.model.control!.status()).toMatchObject({ speed: 1, running: false });
      await evilPage.close();
    } finally {
      evil.closeAllConnections();
      await new Promise<void>((resolve) => evil.close(() => resolve()));
    }
    await page.close();
  }, 60_000);

  it('stays usable with 1,000 friends: a virtualised list, filter, and a friend opened', async (ctx) => {
    if (skipReason) return ctx.skip();
    const { page, demo } = await serveDemo({ seed: 3, extraFriends: 1000 });
    const viewer = demo.demo!.bob.node.engine; // Bob befriends Alice: the demo shows Bob first
    await expect.poll(() => page.locator('#friend-count').textContent()).toContain('1001');
    // Only the visible rows exist in the page, and only the selected friend's charts.
    const rows = await page.locator('.frow').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(100);
    expect(await page.locator('svg[data-machine=friendSession]').count()).toBe(1);
    // Scrolling far down renders the rows there.
    await page.locator('#friend-list').evaluate((el) => (el.scrollTop = 600 * 40));
    await expect.poll(() => page.locator('.frow').evaluateAll((els) => els.some((e) => parseInt((e as unknown as { style: { top: string } }).style.top, 10) >= 600 * 40))).toBe(true);
    const target = [...viewer.friends.all()][900]!;
    await page.locator('#filter').fill(target.pkHex.slice(0, 24));
    await expect.poll(() => page.locator('.frow').count()).toBe(1);
    await page.locator(`.frow[data-friend="${target.pkHex}"]`).click();
    await expect.poll(() => page.locator('#charts-head [data-pk]').getAttribute('data-pk')).toBe(target.pkHex);
    await expect.poll(() => page.locator('svg[data-machine=friendSession]').getAttribute('data-state-value')).toBe(viewer.progressOf(target.pkHex)!);
  }, 90_000);
});
