/**
 * The rig of the inspector attack review (inspector.ts): the server under attack (`toxstate demo
 * --inspect 0` or `toxstate node --inspect PORT` as a child process on 127.0.0.1, its address and
 * token read from what it prints), its memory (/proc/PID/status VmRSS), and the attacking
 * clients — plain HTTP requests (node:http), WebSocket upgrades and hand-made frames on raw TCP
 * sockets, and `ws` clients.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const BIN = join(import.meta.dirname, '../../../bin/toxstate.js');
export const MiB = 1024 * 1024;

// ---- the server under attack -------------------------------------------------------------------

/** A running `toxstate demo` or `toxstate node` with its inspector. */
export interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  /** The token from the printed URL ('' when the URL carries none). */
  readonly token: string;
  /** The URL as printed. */
  readonly printed: string;
  stop(): Promise<void>;
}

/** Starts `args` and waits for the `inspector: URL` line on `stream`. */
export function serve(args: readonly string[], stream: 'stdout' | 'stderr'): Promise<Served> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  child.stdout!.resume();
  child.stderr!.resume();
  return new Promise<Served>((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`toxstate ${args[0]}: no inspector URL within 60 s; said: ${said.slice(-2000)}`));
    }, 60_000);
    createInterface({ input: child[stream]! }).on('line', (line) => {
      said += `${line}\n`;
      const m = /inspector: (http:\/\/127\.0\.0\.1:(\d+)\/(?:#token=([A-Za-z0-9_-]+))?)/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, port: Number(m[2]), token: m[3] ?? '', printed: m[1]!, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`toxstate ${args[0]} exited (${code}) before serving; said: ${said.slice(-2000)}`));
    });
  });
}

/** `npm start`: the demo on the simulated network, inspector on any free port. */
export const serveDemo = (extra: readonly string[] = []): Promise<Served> => serve(['demo', '--no-open', '--inspect', '0', ...extra], 'stdout');

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The server's resident set, MB. */
export function rssMb(child: ChildProcess): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
}

/** The server's RSS once it has settled (two readings 500 ms apart within 2 MB; at most 6 s). */
export async function settledRssMb(child: ChildProcess): Promise<number> {
  let last = rssMb(child);
  for (let i = 0; i < 12; i++) {
    await sleep(500);
    const now = rssMb(child);
    if (Math.abs(now - last) < 2) return now;
    last = now;
  }
  return last;
}

/** Samples the server's RSS every 100 ms while `during` runs; returns its result and the peak. */
export async function peakRss<T>(child: ChildProcess, during: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = rssMb(child);
  const timer = setInterval(() => {
    try {
      peakMb = Math.max(peakMb, rssMb(child));
    } catch {
      // exited
    }
  }, 100);
  try {
    return { result: await during(), peakMb };
  } finally {
    clearInterval(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- clients ----------------------------------------------------------------------------------

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request with exactly these headers (Host defaults to the server's own). */
export function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text = (text + d).slice(0, 4096)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    // A server that answers early and closes may reset the rest of a large body.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve({ status: 0, body: e.code }) : reject(e)));
    req.end(body);
  });
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** The simulation's status as the demo's own API reports it (with the token). */
export async function simStatus(s: Served): Promise<{ running: boolean; speed: number; conditions: Record<string, number> }> {
  const r = await http(s.port, 'GET', '/api/info', bearer(s.token));
  if (r.status !== 200) throw new Error(`GET /api/info with the token: ${r.status} ${r.body}`);
  return (JSON.parse(r.body) as { sim: { running: boolean; speed: number; conditions: Record<string, number> } }).sim;
}

/** A WebSocket handshake on a raw TCP socket: the status line's code (0: closed unanswered) and the socket, not read further. */
export function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let done = false;
    const finish = (status: number): void => {
      if (done) return;
      done = true;
      socket.off('data', onData);
      socket.pause();
      resolve({ status, socket });
    };
    const onData = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) finish(Number(/^HTTP\/1\.1 (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0));
    };
    socket.on('data', onData);
    socket.once('close', () => finish(0));
    const all = {
      host: `127.0.0.1:${port}`,
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': randomBytes(16).toString('base64'),
      'sec-websocket-version': '13',
      ...headers,
    };
    socket.write(`GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  });
}

/** A `ws` client: whether it opened, the refusal status if any, and what it received in `ms`. */
export function wsListen(url: string, opts: { origin?: string }, ms: number): Promise<{ opened: boolean; status: number; events: number; text: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ...(opts.origin !== undefined ? { origin: opts.origin } : {}), maxPayload: 64 * MiB });
    let opened = false;
    let status = 0;
    let events = 0;
    let text = '';
    const done = (): void => {
      clearTimeout(timer);
      ws.terminate();
      resolve({ opened, status, events, text });
    };
    const timer = setTimeout(done, ms);
    ws.on('open', () => (opened = true));
    ws.on('unexpected-response', (_req, res) => {
      status = res.statusCode ?? 0;
      res.resume();
      done();
    });
    ws.on('message', (d: Buffer) => {
      events++;
      if (text.length < 4 * MiB) text += d.toString('utf8');
    });
    ws.on('error', () => done());
    ws.on('close', () => done());
  });
}

/** Writes one WebSocket frame header announcing `length` bytes, then that many zero bytes in 1 MiB writes; returns the bytes written before the server closed. */
export async function pushFrame(socket: Socket, length: number): Promise<{ written: number; closedEarly: boolean }> {
  const header = Buffer.alloc(14);
  header[0] = 0x82; // FIN, binary
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(BigInt(length), 2);
  // Mask key 0: the masked payload is the zeros themselves.
  const chunk = Buffer.alloc(MiB);
  let closed = false;
  socket.once('close', () => (closed = true));
  socket.resume();
  socket.write(header);
  let written = 0;
  while (written < length && !closed) {
    const n = Math.min(MiB, length - written);
    const ok = socket.write(n === MiB ? chunk : chunk.subarray(0, n));
    written += n;
    if (!ok) await new Promise<void>((resolve) => {
      const go = (): void => {
        socket.off('drain', go);
        socket.off('close', go);
        resolve();
      };
      socket.on('drain', go);
      socket.on('close', go);
    });
  }
  if (!closed) await Promise.race([new Promise((r) => socket.once('close', r)), sleep(3_000)]);
  return { written, closedEarly: closed || socket.destroyed };
}
