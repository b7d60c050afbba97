/**
 * The inspector's own HTTP and WebSocket server: serves the page (inspector/page/), the elkjs
 * bundle from node_modules (no CDN: the page works offline), a JSON API over the model, change
 * notifications, and the `@statelyai/inspect` event stream.
 *
 *   GET  /                       the page (also /app.js, /app.css, /stately.html)
 *   GET  /vendor/elk.bundled.js  elkjs, from node_modules
 *   GET  /api/info               mode, nodes, clock, simulation status
 *   GET  /api/charts             every machine: states, transitions, ELK layout input
 *   GET  /api/actors             ?node&q&state&offset&limit&seq   friends of a node, one page
 *   GET  /api/journal            ?node&offset&limit&friend        journal rows, one page
 *   GET  /api/journal/index      ?node&seq&friend                 row index of a seq
 *   GET  /api/view               ?node&friend&seq                 the selected friend's actors at a point
 *   POST /api/sim/run | pause | step {node?, until?} | speed {speed} | conditions {latencyMs, jitterMs, loss, duplicate}
 *   WS   /ws                     {type:'changed', …} whenever the journals or the clock move
 *   WS   /stately                ?node&friends&replay   Stately inspection events (inspector/stately.ts)
 *
 * It listens on 127.0.0.1 by default and, when bound to loopback, answers only requests whose
 * Host is a loopback name (a web page elsewhere cannot drive it through DNS rebinding).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { actorKeys } from '../runtime/engine.js';
import { InspectorModel } from './model.js';
import { statelyActor, statelyNode, statelyStep } from './stately.js';
import type { InspectTarget } from './target.js';

export interface InspectorOptions {
  /** Port to listen on (0: any free port). Default 0. */
  readonly port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
}

export interface RunningInspector {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly model: InspectorModel;
  close(): Promise<void>;
}

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/stately.html': { file: 'stately.html', type: 'text/html; charset=utf-8' },
};

function elkBundlePath(): string {
  return createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js');
}

/** JSON that survives bigints and byte arrays (shown as hex). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
    return v;
  });
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopbackHost(host: string): boolean {
  return host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function intParam(u: URL, name: string): number | undefined {
  const v = u.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new HttpError(400, `${name} must be an integer`);
  return Number(v);
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 65_536) throw new HttpError(413, 'body too large');
    chunks.push(c);
  }
  if (size === 0) return {};
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'body must be a JSON object');
  }
}

/** Starts the inspector over a target; resolves once it listens. */
export async function startInspector(target: InspectTarget, opts: InspectorOptions = {}): Promise<RunningInspector> {
  const host = opts.host ?? '127.0.0.1';
  const model = new InspectorModel(target);
  const elkPath = elkBundlePath();
  const checkHost = isLoopbackHost(host);

  const api = async (req: IncomingMessage, u: URL): Promise<unknown> => {
    const p = u.pathname;
    const node = u.searchParams.get('node') ?? undefined;
    if (req.method === 'GET') {
      switch (p) {
        case '/api/info':
          return model.info();
        case '/api/charts':
          return model.charts();
        case '/api/actors':
          return model.actors(node, {
            q: u.searchParams.get('q') ?? '',
            state: u.searchParams.get('state') ?? '',
            offset: intParam(u, 'offset') ?? 0,
            limit: intParam(u, 'limit') ?? 100,
            seq: intParam(u, 'seq') ?? null,
          });
        case '/api/journal':
          return model.journal(node, {
            offset: intParam(u, 'offset') ?? 0,
            limit: intParam(u, 'limit') ?? 100,
            friend: u.searchParams.get('friend') || null,
          });
        case '/api/journal/index':
          return { index: model.journalIndexOf(node, intParam(u, 'seq') ?? 0, u.searchParams.get('friend') || null) };
        case '/api/view':
          return model.view(node, { friend: u.searchParams.get('friend') || null, seq: intParam(u, 'seq') ?? null });
      }
    } else if (req.method === 'POST' && p.startsWith('/api/sim/')) {
      const control = model.control;
      if (!control) throw new HttpError(409, 'not a simulation: the live mode is read-only');
      const body = await readBody(req);
      switch (p) {
        case '/api/sim/run':
          control.run();
          return control.status();
        case '/api/sim/pause':
          control.pause();
          return control.status();
        case '/api/sim/step': {
          const n = body['node'];
          const nodeIndex = n === undefined || n === null ? undefined : model.nodeIndex(n as number | string);
          const until = body['until'] === 'event' ? 'event' : 'journal';
          return { ...control.step({ ...(nodeIndex !== undefined ? { node: nodeIndex } : {}), until }), status: control.status() };
        }
        case '/api/sim/speed':
          control.setSpeed(Number(body['speed']));
          return control.status();
        case '/api/sim/conditions': {
          const c: Record<string, number> = {};
          for (const k of ['latencyMs', 'jitterMs', 'loss', 'duplicate'] as const) if (body[k] !== undefined) c[k] = Number(body[k]);
          control.setConditions(c);
          return control.status();
        }
      }
    }
    throw new HttpError(404, `no such endpoint: ${req.method} ${p}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (checkHost && !LOOPBACK_HOSTS.has(hostHeader) && !isLoopbackHost(hostHeader)) throw new HttpError(403, 'forbidden host');
    const u = new URL(req.url ?? '/', 'http://inspector.invalid');
    if (u.pathname.startsWith('/api/')) {
      const body = toJson(await api(req, u));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    if (u.pathname === '/vendor/elk.bundled.js') {
      const data = await readFile(elkPath);
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' });
      res.end(data);
      return;
    }
    if (u.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const page = PAGE_FILES[u.pathname];
    if (!page) throw new HttpError(404, 'not found');
    const data = await readFile(PAGE_DIR + page.file);
    res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-cache' });
    res.end(data);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof RangeError ? 400 : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(toJson({ error: message }));
    });
  });

  // ---- WebSockets --------------------------------------------------------------------------
  const changes = new WebSocketServer({ noServer: true });
  const stately = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://inspector.invalid');
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (checkHost && !isLoopbackHost(hostHeader) && !LOOPBACK_HOSTS.has(hostHeader)) {
      socket.destroy();
      return;
    }
    const wss = u.pathname === '/ws' ? changes : u.pathname === '/stately' ? stately : null;
    if (!wss) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  let dirty = true;
  const unsubscribers: Array<() => void> = [];
  for (const h of model.histories) unsubscribers.push(h.onEntry(() => (dirty = true)));
  if (model.control) unsubscribers.push(model.control.onChange(() => (dirty = true)));
  let beats = 0;
  const changeTimer = setInterval(() => {
    beats++;
    // Live time moves on its own: a heartbeat every second keeps "in X s" current.
    if (!dirty && !(target.mode === 'live' && beats % 10 === 0)) return;
    if (changes.clients.size === 0) return;
    dirty = false;
    const msg = toJson({
      type: 'changed',
      now: target.now(),
      nodes: model.histories.map((h) => ({ firstSeq: h.firstSeq, lastSeq: h.lastSeq })),
      sim: model.control?.status() ?? null,
    });
    for (const c of changes.clients) if (c.readyState === c.OPEN) c.send(msg);
  }, 100);
  changeTimer.unref();

  stately.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const u = new URL(req.url ?? '/', 'http://inspector.invalid');
    let nodeIndex: number;
    try {
      nodeIndex = model.nodeIndex(u.searchParams.get('node') ?? undefined);
    } catch {
      ws.close(1008, 'no such node');
      return;
    }
    const friendsParam = u.searchParams.get('friends');
    const maxFriends = friendsParam === 'all' ? Infinity : Math.max(0, Number(friendsParam ?? 50) || 0);
    const replay = Math.max(0, Math.min(10_000, Number(u.searchParams.get('replay') ?? 200) || 0));
    const nodeName = target.nodes[nodeIndex]!.name;
    const h = model.history(nodeIndex);
    const engine = model.engine(nodeIndex);
    const allowed = new Set<string>([actorKeys.toxid(engine.selfHex)]);
    let friendCount = 0;
    for (const f of engine.friends.all()) {
      if (friendCount++ >= maxFriends) break;
      for (const key of model.friendActorKeys(nodeIndex, f.pkHex)) allowed.add(key);
    }
    const send = (event: unknown): void => {
      if (ws.readyState !== ws.OPEN) return;
      // A slow consumer loses events rather than growing the server's memory.
      if (ws.bufferedAmount > 8 * 1024 * 1024) return;
      ws.send(toJson(event));
    };
    const registered = new Set<string>();
    send(statelyNode(nodeName, engine.selfHex, Date.now()));
    const startSeq = Math.max(h.firstSeq - 1, h.lastSeq - replay);
    for (const key of allowed) {
      const s = h.stateAt(key, startSeq);
      const actor = engine.actors.get(key);
      if (!s || !actor) continue;
      registered.add(key);
      send(statelyActor(nodeName, key, actor.machine, { value: s.value, context: s.context }, Date.now()));
    }
    const forward = (e: Parameters<typeof statelyStep>[1]): void => {
      if (!allowed.has(e.actor)) {
        if (maxFriends !== Infinity) return;
        allowed.add(e.actor);
      }
      if (!registered.has(e.actor)) {
        registered.add(e.actor);
        send(statelyActor(nodeName, e.actor, e.machine, { value: e.from, context: null }, Date.now()));
      }
      for (const ev of statelyStep(nodeName, e, Date.now())) send(ev);
    };
    for (let seq = startSeq + 1; seq <= h.lastSeq; seq++) {
      const e = h.entry(seq);
      if (e) forward(e);
    }
    const off = h.onEntry(forward);
    ws.on('close', off);
    ws.on('message', () => undefined);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    host,
    model,
    async close() {
      clearInterval(changeTimer);
      for (const u of unsubscribers) u();
      for (const c of changes.clients) c.terminate();
      for (const c of stately.clients) c.terminate();
      changes.close();
      stately.close();
      model.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
