/**
 * The inspector's own HTTP and WebSocket server: serves the page (inspector/page/), the elkjs
 * bundle from node_modules (no CDN: the page works offline), a JSON API over the model, change
 * notifications, and the `@statelyai/inspect` event stream.
 *
 *   GET  /                       the page (also its modules /app.js, /common.js, /view.js, /lists.js,
 *                                /recording.js, /zoom.js, and /app.css, /stately.html)
 *   GET  /vendor/elk.bundled.js  elkjs, from node_modules
 *   GET  /api/info               mode, nodes, clock, simulation status
 *   GET  /api/charts             every machine: states, transitions, ELK layout input
 *   GET  /api/actors             ?node&q&state&offset&limit&seq   friends of a node, one page
 *   GET  /api/journal            ?node&offset&limit&friend        journal rows, one page
 *   GET  /api/journal/index      ?node&seq&friend                 row index of a seq
 *   GET  /api/view               ?node&friend&seq                 the selected friend's actors at a point
 *   POST /api/sim/run | pause | step {node?, until?} | speed {speed} | conditions {latencyMs, jitterMs, loss, duplicate}
 *   POST /api/sim/restart        rebuild the simulation from its seed, paused at t = 0 (when the
 *                                caller gave `restart`; /api/info's `epoch` counts the restarts)
 *
 * A recording (inspector/recording.ts, `toxstate inspect --pcap`) is served through the same
 * endpoints by RecordingModel (its one "node" is the capture, its journal the monitor's steps;
 * /api/view also takes `follow=1`); it has no simulation and no Stately stream.
 *   WS   /ws                     {type:'changed', …} whenever the journals or the clock move
 *   WS   /stately                ?node&friends&replay   Stately inspection events (inspector/stately.ts)
 *
 * It listens on 127.0.0.1 by default. Every request must name the inspector in its Host, come
 * from its own origin when it names one, and — for /api/ and both streams — carry the per-run
 * access token (inspector/access.ts). Commands take only `application/json` bodies of at most
 * 4 KiB, so no cross-origin "simple" request can reach them. Limits: WebSocket messages from
 * clients at most 4 KiB, at most 8 stream clients at once, and a stream client that does not
 * read is dropped: /stately is paced by the client's buffer (at most 256 KiB queued) and a
 * client whose buffer has not drained for 10 s is closed; a /ws client with 1 MiB unsent is.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { actorKeys, FAMILIES } from '../runtime/actor-keys.js';
import { AccessPolicy, MIN_TOKEN_LENGTH, newAccessToken } from './access.js';
import { InspectorModel } from './model.js';
import type { RecordingTarget } from './recording.js';
import { RecordingModel } from './recording-model.js';
import { statelyActor, statelyNode, statelyStep } from './stately.js';
import type { InspectTarget } from './target.js';

export interface InspectorOptions {
  /** Port to listen on (0: any free port). Default 0. */
  readonly port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** The access token API requests and streams must carry (at least 22 characters). Default: 256 random bits. */
  readonly token?: string;
  /** Stream clients (/ws and /stately together) served at once; more are refused with 503. Default 8. */
  readonly maxClients?: number;
  /** A /stately client whose unsent events have not drained for this long is dropped (ms). Default 10,000. */
  readonly stalledClientMs?: number;
  /** Simulation: Run the clock when the first /ws client (a page) connects, once. Default false. */
  readonly runOnFirstClient?: boolean;
  /** Simulation: rebuilds the target from its seed at t = 0 (the page's Restart); without it, restart is refused. */
  readonly restart?: () => InspectTarget;
}

export interface RunningInspector<M = InspectorModel> {
  /** The page with the access token in its fragment, `http://127.0.0.1:PORT/#token=…`: what to print and open. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`: the origin the page's requests come from. */
  readonly origin: string;
  /** The access token (`Authorization: Bearer TOKEN`, or `?token=TOKEN` on a WebSocket URL). */
  readonly token: string;
  readonly port: number;
  readonly host: string;
  /** The model of the current target (a Restart replaces it). */
  readonly model: M;
  close(): Promise<void>;
}

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
/** The only files served: a fixed map (no path from a request ever reaches the file system). */
const PAGE_MODULES = ['app', 'common', 'view', 'lists', 'recording', 'zoom'];
const PAGE_FILES: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ['/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/index.html', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ...PAGE_MODULES.map((m) => [`/${m}.js`, { file: `${m}.js`, type: 'text/javascript; charset=utf-8' }] as const),
  ['/app.css', { file: 'app.css', type: 'text/css; charset=utf-8' }],
  ['/stately.html', { file: 'stately.html', type: 'text/html; charset=utf-8' }],
]);

/** Largest command body (the commands are a few numbers). */
const MAX_BODY_BYTES = 4096;
/** Largest WebSocket message a client may send (clients have nothing to say: the streams only send). */
const MAX_CLIENT_MESSAGE_BYTES = 4096;
/** Stream clients served at once by default: a person uses one or two (the page, the Stately relay). */
export const DEFAULT_MAX_CLIENTS = 8;
const DEFAULT_STALLED_CLIENT_MS = 10_000;
/** /stately sends while less than this is queued for the client, then waits for it to read. */
const STREAM_HIGH_WATER_BYTES = 256 * 1024;
/** A /ws client with this much unsent is not reading: it is closed. */
const CHANGES_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Headers sent with every response: no framing by other sites, no Referer, no type sniffing. */
const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
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

function intParam(u: URL, name: string): number | undefined {
  const v = u.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new HttpError(400, `${name} must be an integer`);
  return Number(v);
}

/** A command's body: `application/json`, at most MAX_BODY_BYTES, a JSON object (or empty). */
async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'commands take a JSON body: content-type must be application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `body too large (at most ${MAX_BODY_BYTES} bytes)`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body too large (at most ${MAX_BODY_BYTES} bytes)`);
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

/** Starts the inspector over a target (engines, or a recording); resolves once it listens. */
export async function startInspector(target: InspectTarget, opts?: InspectorOptions): Promise<RunningInspector>;
export async function startInspector(target: RecordingTarget, opts?: InspectorOptions): Promise<RunningInspector<RecordingModel>>;
export async function startInspector(target: InspectTarget | RecordingTarget, opts: InspectorOptions = {}): Promise<RunningInspector<InspectorModel | RecordingModel>> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newAccessToken();
  if (token.length < MIN_TOKEN_LENGTH || !/^[A-Za-z0-9._~-]+$/.test(token)) {
    throw new RangeError(`inspector token: at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 . _ ~ -`);
  }
  const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
  const stalledClientMs = opts.stalledClientMs ?? DEFAULT_STALLED_CLIENT_MS;
  let model = target.mode === 'recording' ? new RecordingModel(target.recording, target.title) : new InspectorModel(target);
  /** The engines' model (null for a recording: no journals to follow, no Stately stream). */
  let engines = model instanceof InspectorModel ? model : null;
  /** Restarts so far: the page reloads its state when this changes. */
  let epoch = 0;
  let runOnConnect = opts.runOnFirstClient === true;
  const elkPath = elkBundlePath();
  // Set once the port is known (before the first request is accepted).
  let access: AccessPolicy | null = null;

  const api = async (req: IncomingMessage, u: URL): Promise<unknown> => {
    const p = u.pathname;
    const node = u.searchParams.get('node') ?? undefined;
    if (req.method === 'GET') {
      switch (p) {
        case '/api/info':
          return { ...model.info(), epoch, restartable: opts.restart !== undefined && model.control !== null };
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
          return model.view(node, { friend: u.searchParams.get('friend') || null, seq: intParam(u, 'seq') ?? null, follow: u.searchParams.get('follow') === '1' });
      }
    } else if (req.method === 'POST' && p.startsWith('/api/sim/')) {
      const body = await readBody(req);
      const control = model.control;
      if (!control) throw new HttpError(409, engines ? 'not a simulation: the live mode is read-only' : 'not a simulation: a recording is read-only');
      switch (p) {
        case '/api/sim/run':
          control.run();
          return control.status();
        case '/api/sim/pause':
          control.pause();
          return control.status();
        case '/api/sim/restart':
          if (!opts.restart) throw new HttpError(409, 'this simulation cannot be restarted');
          restart(opts.restart());
          return { epoch, status: model.control!.status() };
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
    const u = new URL(req.url ?? '/', 'http://inspector.invalid');
    const isApi = u.pathname.startsWith('/api/');
    const refused = access!.refusal(req, u, isApi);
    if (refused) throw new HttpError(refused.status, refused.message);
    if (isApi) {
      const body = toJson(await api(req, u));
      res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    if (u.pathname === '/vendor/elk.bundled.js') {
      const data = await readFile(elkPath);
      res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' });
      res.end(data);
      return;
    }
    if (u.pathname === '/favicon.ico') {
      res.writeHead(204, COMMON_HEADERS);
      res.end();
      return;
    }
    const page = PAGE_FILES.get(u.pathname);
    if (!page) throw new HttpError(404, 'not found');
    const data = await readFile(PAGE_DIR + page.file);
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': page.type, 'cache-control': 'no-cache' });
    res.end(data);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof RangeError ? 400 : 500;
      // Our own refusals and the model's argument errors say what was wrong; anything else is
      // ours to fix and its message (file paths, internals) is not the client's business.
      const message = status === 500 ? 'internal error' : (e as Error).message;
      if (!res.headersSent) {
        // A refused body is not read: close the connection rather than parse what follows.
        res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8', ...(status === 413 || status === 415 ? { connection: 'close' } : {}) });
      }
      res.end(toJson({ error: message }));
    });
  });
  // Slow or idle connections do not hold the server: headers within 10 s, a request within 30 s.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = 4 * maxClients + 64;

  // ---- WebSockets --------------------------------------------------------------------------
  const changes = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const stately = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const refuseUpgrade = (socket: Duplex, status: number, message: string): void => {
    const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
    const body = `${message}\n`;
    // Answer, then close without reading what the client sends after its request.
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
  };
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    const u = new URL(req.url ?? '/', 'http://inspector.invalid');
    const refused = access!.refusal(req, u, true);
    if (refused) return refuseUpgrade(socket, refused.status, refused.message);
    const wss = u.pathname === '/ws' ? changes : u.pathname === '/stately' ? stately : null;
    if (!wss || (wss === stately && !engines)) return refuseUpgrade(socket, 404, 'no such stream');
    if (changes.clients.size + stately.clients.size >= maxClients) return refuseUpgrade(socket, 503, `too many stream clients (at most ${maxClients})`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // An oversized or malformed frame is an error on that connection alone: drop it.
      ws.on('error', () => ws.terminate());
      ws.on('message', () => undefined);
      wss.emit('connection', ws, req);
      // The demo waits at t = 0 until someone watches (opts.runOnFirstClient).
      if (wss === changes && runOnConnect && model.control) {
        runOnConnect = false;
        model.control.run();
      }
    });
  });

  let dirty = true;
  const unsubscribers: Array<() => void> = [];
  const subscribe = (): void => {
    for (const h of engines?.histories ?? []) unsubscribers.push(h.onEntry(() => (dirty = true)));
    if (engines?.control) unsubscribers.push(engines.control.onChange(() => (dirty = true)));
  };
  subscribe();
  /** Restart: the old model is closed, Stately clients (bound to the old engines) are dropped, pages told. */
  const restart = (next: InspectTarget): void => {
    if (next.mode !== 'simulation') throw new HttpError(409, 'a restart must give a simulation');
    for (const u of unsubscribers.splice(0)) u();
    for (const c of stately.clients) c.terminate();
    model.close();
    target = next;
    model = engines = new InspectorModel(next);
    epoch++;
    runOnConnect = false;
    subscribe();
    dirty = true;
  };
  let beats = 0;
  const changeTimer = setInterval(() => {
    beats++;
    // Live time moves on its own: a heartbeat every second keeps "in X s" current.
    if (!dirty && !(target.mode === 'live' && beats % 10 === 0)) return;
    if (changes.clients.size === 0) return;
    dirty = false;
    const msg = toJson({
      type: 'changed',
      epoch,
      now: target.now(),
      nodes: (engines?.histories ?? []).map((h) => ({ firstSeq: h.firstSeq, lastSeq: h.lastSeq })),
      sim: model.control?.status() ?? null,
    });
    for (const c of changes.clients) {
      if (c.readyState !== c.OPEN) continue;
      // A client this far behind is not reading: drop it rather than queue for it without end.
      if (c.bufferedAmount > CHANGES_MAX_BUFFERED_BYTES) c.terminate();
      else c.send(msg);
    }
  }, 100);
  changeTimer.unref();

  stately.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const u = new URL(req.url ?? '/', 'http://inspector.invalid');
    if (!engines) return ws.close(1008, 'no Stately stream for a recording');
    const model = engines;
    const target = model.target;
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
    const allowed = new Set<string>(FAMILIES.map((family) => actorKeys.announce(family, engine.selfHex)));
    let friendCount = 0;
    for (const f of engine.friends.all()) {
      if (friendCount++ >= maxFriends) break;
      for (const key of model.friendActorKeys(nodeIndex, f.pkHex)) allowed.add(key);
    }
    // Paced by the client: events are produced from the history as the client's buffer drains
    // (a cursor per client, not a queue), so a client that reads slowly costs at most
    // STREAM_HIGH_WATER_BYTES and one that stops reading is dropped after stalledClientMs.
    const registered = new Set<string>();
    const pending: string[] = []; // the events of one step, at most three
    const registrations = [...allowed];
    let registrationIndex = 0;
    let nodeSent = false;
    let nextSeq = Math.max(h.firstSeq - 1, h.lastSeq - replay) + 1;
    const forward = (e: Parameters<typeof statelyStep>[1]): void => {
      if (!allowed.has(e.actor)) {
        if (maxFriends !== Infinity) return;
        allowed.add(e.actor);
      }
      if (!registered.has(e.actor)) {
        registered.add(e.actor);
        pending.push(toJson(statelyActor(nodeName, e.actor, e.machine, { value: e.from, context: null }, Date.now())));
      }
      for (const ev of statelyStep(nodeName, e, Date.now())) pending.push(toJson(ev));
    };
    /** Puts the next events on `pending`; false when the client has everything there is. */
    const produce = (): boolean => {
      if (!nodeSent) {
        nodeSent = true;
        pending.push(toJson(statelyNode(nodeName, engine.selfHex, Date.now())));
        return true;
      }
      while (registrationIndex < registrations.length) {
        const key = registrations[registrationIndex++]!;
        const s = h.stateAt(key, nextSeq - 1);
        const actor = engine.actors.get(key);
        if (!s || !actor) continue;
        registered.add(key);
        pending.push(toJson(statelyActor(nodeName, key, actor.machine, { value: s.value, context: s.context }, Date.now())));
        return true;
      }
      // Entries the journal dropped before this client got to them are skipped.
      nextSeq = Math.max(nextSeq, h.firstSeq);
      while (nextSeq <= h.lastSeq) {
        const e = h.entry(nextSeq++);
        if (e) forward(e);
        if (pending.length > 0) return true;
      }
      return false;
    };
    let waiting = false;
    let stallTimer: NodeJS.Timeout | null = null;
    const resume = (): void => {
      if (!waiting || ws.bufferedAmount >= STREAM_HIGH_WATER_BYTES) return;
      waiting = false;
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = null;
      pump();
    };
    const afterSend = (err?: Error): void => {
      if (!err) resume();
    };
    const pump = (): void => {
      if (waiting || ws.readyState !== ws.OPEN) return;
      while (ws.bufferedAmount < STREAM_HIGH_WATER_BYTES) {
        if (pending.length === 0 && !produce()) return;
        ws.send(pending.shift()!, afterSend);
      }
      waiting = true;
      stallTimer = setTimeout(() => ws.terminate(), stalledClientMs);
      stallTimer.unref();
    };
    const off = h.onEntry(pump);
    ws.on('close', () => {
      off();
      if (stallTimer) clearTimeout(stallTimer);
    });
    pump();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  access = new AccessPolicy(host, port, token);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${urlHost}:${port}`;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    port,
    host,
    get model() {
      return model;
    },
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
