/**
 * The inspector's HTTP API over the demo network: chart inputs, journal pages, views, the
 * friend list with 1,000 friends, the simulation controls, and what the live mode refuses.
 */
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMachine } from '../../machines/describe.js';
import { machineSpecs, type MachineName } from '../../machines/index.js';
import { actorKeys } from '../../runtime/engine.js';
import { simulatedDemo, type DemoTarget } from '../../inspector/demo.js';
import type { MachineChart, ElkNode } from '../../inspector/charts.js';
import type { ActorsPage, Info, JournalPage, View } from '../../inspector/model.js';
import { startInspector, type RunningInspector } from '../../inspector/server.js';
import { liveTarget } from '../../inspector/target.js';
import { testCrypto } from './helpers.js';

let demo: DemoTarget;
let inspector: RunningInspector;

/** The access token every API request carries (inspector/access.ts). */
const auth = (ins: RunningInspector): Record<string, string> => ({ authorization: `Bearer ${ins.token}` });

async function get<T>(path: string): Promise<T> {
  const r = await fetch(new URL(path, inspector.url), { headers: auth(inspector) });
  expect(r.status, path).toBe(200);
  return (await r.json()) as T;
}

async function post(path: string, body: unknown = {}): Promise<Response> {
  return fetch(new URL(path, inspector.url), { method: 'POST', headers: { ...auth(inspector), 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

beforeAll(async () => {
  demo = simulatedDemo({ crypto: await testCrypto(), seed: 2026 });
  demo.demo!.sim.runFor(40_000);
  inspector = await startInspector(demo.target, { port: 0 });
});

afterAll(async () => {
  await inspector?.close();
});

function collectNodes(n: ElkNode, out: ElkNode[] = []): ElkNode[] {
  for (const c of n.children ?? []) {
    out.push(c);
    collectNodes(c, out);
  }
  return out;
}

describe('chart inputs', () => {
  it('gives every machine with every state as an ELK node and every transition drawn exactly once', async () => {
    const charts = await get<Record<MachineName, MachineChart>>('/api/charts');
    expect(Object.keys(charts).sort()).toEqual(Object.keys(machineSpecs).sort());
    for (const name of Object.keys(machineSpecs) as MachineName[]) {
      const chart = charts[name];
      const d = describeMachine(machineSpecs[name]);
      const nodes = collectNodes(chart.graph);
      expect(nodes.map((n) => n.id).sort()).toEqual(d.states.map((s) => s.id).sort());
      for (const n of nodes) if (!n.children) expect(n.width! > 0 && n.height! > 0).toBe(true);
      // Compound states hold their children.
      for (const s of d.states.filter((x) => x.children.length > 0))
        expect(nodes.find((n) => n.id === s.id)!.children!.map((c) => c.id).sort()).toEqual([...s.children].sort());
      // Each transition with a target is one line of one edge per target; each without is one row.
      const drawn = [...chart.edges.flatMap((e) => e.lines.map((l) => l.transition)), ...chart.states.flatMap((s) => s.rows.map((r) => r.transition)), ...chart.rootRows.map((r) => r.transition)];
      const expected = d.transitions.flatMap((t) => (t.targets.length === 0 ? [t.id] : t.targets.map(() => t.id)));
      expect(drawn.sort()).toEqual(expected.sort());
      // The ELK edges are the chart's edges, with a label sized for their lines.
      const elkEdges = [chart.graph, ...nodes].flatMap((n) => n.edges ?? []);
      expect(elkEdges.map((e) => e.id).sort()).toEqual(chart.edges.map((e) => e.id).sort());
      for (const e of elkEdges) expect(e.labels[0]!.height).toBeGreaterThan(0);
    }
    expect(charts.dhtkeyShare.states.find((s) => s.id === 'Active')!.compound).toBe(true);
    expect(charts.friendSession.states.filter((s) => s.initial).map((s) => s.id)).toEqual(['AwaitingDHTKey']);
  });
});

describe('journal pages', () => {
  it('pages through the whole journal in order, with the transition, guard and next deadline of each step', async () => {
    const info = await get<Info>('/api/info');
    expect(info.mode).toBe('simulation');
    // Bob sends the friend request, so the demo shows him first.
    expect(info.nodes[info.defaultNode]!.name).toBe('Bob');
    const alice = demo.demo!.alice.node.engine;
    const first = await get<JournalPage>('/api/journal?node=Alice&offset=0&limit=50');
    expect(first.total).toBe(alice.journal.size);
    const seen: number[] = [];
    for (let offset = 0; offset < first.total; offset += 50) {
      const page = await get<JournalPage>(`/api/journal?node=Alice&offset=${offset}&limit=50`);
      for (const row of page.rows) {
        const e = alice.journal.at(seen.length)!;
        expect(row.seq).toBe(e.seq);
        expect(row.ignored).toBe(e.transition === null && e.from !== null);
        if (e.transition !== null) {
          expect(row.transition!.id).toBe(e.transition);
          expect(row.transition!.source).toBe(e.transition.split('|')[0]);
        }
        if (e.next) expect(row.next!.inMs).toBe(e.next.at - e.t);
        seen.push(row.seq);
      }
    }
    expect(seen.length).toBe(first.total);
    const retry = seen.map((s) => alice.journal.at(s - first.firstSeq)!).find((e) => e.next?.reason.includes('retry'));
    if (retry) {
      const page = await get<JournalPage>(`/api/journal?node=Alice&offset=${retry.seq - first.firstSeq}&limit=1`);
      expect(page.rows[0]!.next!.text).toMatch(/retry \d\/8 in \d+\.\d s$/);
    }
  });

  it("filters to one friend's actors", async () => {
    const alice = demo.demo!.alice.node.engine;
    const bob = demo.demo!.bob.node.engine.selfHex;
    const page = await get<JournalPage>(`/api/journal?node=Alice&friend=${bob}&limit=1000`);
    const mine = alice.journal.since(0).filter((e) => e.actor.endsWith(bob));
    expect(page.total).toBe(mine.length);
    expect(page.rows.map((r) => r.seq)).toEqual(mine.map((e) => e.seq));
    expect(new Set(page.rows.map((r) => r.actorLabel.split(':')[1]))).toEqual(new Set(['Bob']));
  });
});

describe('views', () => {
  it("shows the live state of the friend's actors and the account task", async () => {
    const alice = demo.demo!.alice.node.engine;
    const bob = demo.demo!.bob.node.engine.selfHex;
    const v = await get<View>('/api/view?node=Alice');
    expect(v.live).toBe(true);
    expect(v.friend!.label).toBe('Bob');
    expect(v.actors.map((a) => a.role)).toEqual(['session', 'dhtkey', 'connect', 'tox4id']);
    for (const a of v.actors) {
      const actor = alice.actors.get(a.key)!;
      expect(a.value).toEqual(actor.snapshot.value);
      expect(a.context).toEqual(JSON.parse(JSON.stringify(actor.snapshot.context)));
      expect(a.next?.at ?? null).toBe(actor.next?.at ?? null);
    }
    expect(v.actors[0]!.key).toBe(actorKeys.session(bob));
  });

  it('shows an earlier point: the states after that entry', async () => {
    const alice = demo.demo!.alice.node.engine;
    const entries = alice.journal.since(0);
    const target = entries.find((e) => e.actor.startsWith('session:') && e.transition !== null)!;
    const v = await get<View>(`/api/view?node=Alice&seq=${target.seq}`);
    expect(v.live).toBe(false);
    expect(v.seq).toBe(target.seq);
    expect(v.t).toBe(target.t);
    expect(v.cursor!.seq).toBe(target.seq);
    const session = v.actors.find((a) => a.role === 'session')!;
    expect(session.value).toEqual(target.to);
    expect(session.last!.seq).toBe(target.seq);
    // Candidate verdicts are evaluated at the time of that entry.
    for (const c of session.candidates) expect(['pass', 'fail', 'no guard', 'depends on the event']).toContain(c.verdict);
  });

  it('rejects unknown nodes and bad numbers', async () => {
    const headers = auth(inspector);
    expect((await fetch(new URL('/api/view?node=Mallory', inspector.url), { headers })).status).toBe(400);
    expect((await fetch(new URL('/api/journal?offset=abc', inspector.url), { headers })).status).toBe(400);
    expect((await fetch(new URL('/api/nothing', inspector.url), { headers })).status).toBe(404);
    // Without the token (or with another) the API answers nothing.
    expect((await fetch(new URL('/api/info', inspector.url))).status).toBe(401);
    expect((await fetch(new URL('/api/info', inspector.url), { headers: { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status).toBe(401);
    expect((await fetch(new URL(`/api/info?token=${inspector.token}`, inspector.url))).status).toBe(200);
    // A page elsewhere reaching us through DNS rebinding arrives with a foreign Host.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: inspector.port, path: '/api/info', headers: { ...auth(inspector), host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('serves only its own files: no path reaches the file system', async () => {
    const raw = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: inspector.port, path }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const path of ['/../package.json', '/../../../etc/passwd', '/%2e%2e/package.json', '/app.js/..%2f..%2fserver.ts', '/vendor/../../package.json', '/page/app.js', '/__proto__', '/constructor']) {
      const r = await raw(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toMatch(/"name"|root:|import /);
    }
    const page = await fetch(new URL('/', inspector.url));
    // Not framed by other sites, no Referer to them, no type sniffing.
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers an internal failure with 500 and no details', async () => {
    const broken = await startInspector(
      liveTarget([{ name: 'Alice', engine: demo.demo!.alice.node.engine }], () => {
        throw new Error('clock failed reading /home/someone/.config/tox/secret.tox');
      }),
      { port: 0 },
    );
    try {
      const r = await fetch(new URL('/api/info', broken.url), { headers: auth(broken) });
      expect(r.status).toBe(500);
      const text = await r.text();
      expect(JSON.parse(text)).toEqual({ error: 'internal error' });
      expect(text).not.toMatch(/secret|\/home|at /);
    } finally {
      await broken.close();
    }
  });

  it('serves the page and the elkjs bundle itself', async () => {
    expect(inspector.url).toBe(`http://127.0.0.1:${inspector.port}/#token=${inspector.token}`);
    expect(inspector.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const html = await (await fetch(inspector.url)).text();
    expect(html).toContain('/vendor/elk.bundled.js');
    expect(html).not.toMatch(/https?:\/\//);
    const elk = await fetch(new URL('/vendor/elk.bundled.js', inspector.url));
    expect(elk.status).toBe(200);
    expect((await elk.text()).length).toBeGreaterThan(100_000);
  });

  it('serves every script of inspector/page/ (the page is split into ES modules), and the modules import only each other', async () => {
    const dir = join(import.meta.dirname, '../../inspector/page');
    const scripts = readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(scripts).toContain('app.js');
    for (const f of scripts) {
      const r = await fetch(new URL(`/${f}`, inspector.url));
      expect(r.status, f).toBe(200);
      expect(r.headers.get('content-type'), f).toBe('text/javascript; charset=utf-8');
      for (const m of (await r.text()).matchAll(/^import .* from '([^']+)';$/gm)) expect(scripts, `${f} imports ${m[1]}`).toContain(m[1]!.replace(/^\.\//, ''));
    }
  });
});

describe('simulation controls', () => {
  it('Step advances to the next journal entry of the node; Run and Pause toggle; conditions change', async () => {
    const alice = demo.demo!.alice.node.engine;
    const before = alice.journal.lastSeq;
    const r = await post('/api/sim/step', { node: 'Alice' });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { entries: number; steps: number };
    expect(body.entries).toBeGreaterThan(0);
    expect(alice.journal.lastSeq).toBe(before + body.entries);
    const one = (await (await post('/api/sim/step', { until: 'event' })).json()) as { steps: number };
    expect(one.steps).toBe(1);
    expect(((await (await post('/api/sim/run')).json()) as { running: boolean }).running).toBe(true);
    expect(((await (await post('/api/sim/pause')).json()) as { running: boolean }).running).toBe(false);
    const c = (await (await post('/api/sim/conditions', { loss: 0.25, latencyMs: 55 })).json()) as { conditions: { loss: number; latencyMs: number } };
    expect(c.conditions).toMatchObject({ loss: 0.25, latencyMs: 55 });
    expect(demo.demo!.sim.conditions.loss).toBe(0.25);
    expect((await post('/api/sim/conditions', { loss: 2 })).status).toBe(400);
    expect((await post('/api/sim/speed', { speed: 0 })).status).toBe(400);
    await post('/api/sim/conditions', { loss: 0, latencyMs: 20 });
  });

  it('refuses controls in live mode', async () => {
    const live = await startInspector(liveTarget([{ name: 'Alice', engine: demo.demo!.alice.node.engine }], () => demo.demo!.sim.now), { port: 0 });
    try {
      const r = await fetch(new URL('/api/sim/step', live.url), { method: 'POST', headers: { ...auth(live), 'content-type': 'application/json' }, body: '{}' });
      expect(r.status).toBe(409);
      expect(((await (await fetch(new URL('/api/info', live.url), { headers: auth(live) })).json()) as Info).sim).toBeNull();
    } finally {
      await live.close();
    }
  });
});

describe('a node with 1,000 friends', () => {
  it('pages, filters by text and by state, and opens any friend', async () => {
    const big = simulatedDemo({ crypto: await testCrypto(), seed: 3, extraFriends: 1000 });
    big.demo!.sim.runFor(100);
    const ins = await startInspector(big.target, { port: 0 });
    try {
      const g = async <T>(p: string): Promise<T> => (await (await fetch(new URL(p, ins.url), { headers: auth(ins) })).json()) as T;
      // The demo gives the extra friends to Bob (who befriends Alice).
      const page = await g<ActorsPage>('/api/actors?node=Bob&offset=500&limit=30');
      expect(page.total).toBe(1001);
      expect(page.rows.length).toBe(30);
      const bob = big.demo!.bob.node.engine;
      const some = [...bob.friends.all()][700]!;
      const found = await g<ActorsPage>(`/api/actors?node=Bob&q=${some.pkHex.slice(0, 20)}`);
      expect(found.rows.map((r) => r.friend)).toEqual([some.pkHex]);
      const byState = await g<ActorsPage>('/api/actors?node=Bob&state=AwaitingDHTKey&limit=1000');
      const expected = [...bob.friends.all()].filter((f) => bob.progressOf(f.pkHex) === 'AwaitingDHTKey').length;
      expect(byState.total).toBe(expected);
      expect(byState.rows.every((r) => r.progress === 'AwaitingDHTKey')).toBe(true);
      const v = await g<View>(`/api/view?node=Bob&friend=${some.pkHex}`);
      expect(v.friend!.pk).toBe(some.pkHex);
      expect(v.actors[0]!.key).toBe(actorKeys.session(some.pkHex));
    } finally {
      await ins.close();
    }
  });
});
