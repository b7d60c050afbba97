/**
 * A load generator for one DHT node serving requests, as a public bootstrap node does
 * (docs/protocol.md §2.2): K distinct client DHT keys, each on its own loopback UDP socket, send
 * nodes requests (0x02, c-toxcore DHT.c dht_getnodes) and ping requests (0x00, ping.c
 * ping_send_request) to one server at rising rates, and count the valid answers — a nodes
 * response (0x04) or ping response (0x01) from the server's DHT key that opens with the client's
 * shared key and echoes the ping id of a request that client sent, of the matching kind, once.
 * No engine: the codecs of protocol/dht and the crypto of loadCrypto(), so the same generator
 * drives c-toxcore's tox-bootstrapd and `toxstate node`.
 *
 * The generator's own cost is kept out of the way: every client's shared key with the server is
 * computed once (crypto_box_beforenm), and a step's requests are sealed before the step starts,
 * so sending is a socket write per request. Each answer is one decryption.
 *
 * Requests from the server (c-toxcore pings the nodes that asked it, ping.c add_to_ping;
 * toxstate asks unknown askers back, runtime/dht/packets.ts heardFrom) are answered like a
 * client would — a ping response, or a nodes response naming up to 4 other clients — at most
 * SERVER_REQUEST_ANSWERS_PER_S, so the server's tables fill with the clients as on a real network.
 *
 * Steps: each runs at one rate for `stepMs`, then sending pauses for DRAIN_MS while late answers
 * arrive (runDhtLoadInTurn takes several servers in turn, step by step); the step's figures are the requests sent in it and the answers to them. The server's
 * CPU time (utime + stime) is read from /proc/<pid>/stat around each step. The run stops after
 * the first step where fewer than `stopBelow` of the requests were answered, or where the
 * generator could not keep the rate, or at the last step. Bounded: ≤ MAX_KEYS keys and sockets,
 * ≤ MAX_STEP_REQUESTS requests a step, every socket on 127.0.0.1 and closed at the end.
 *
 * Run as a child of bench/dht-serve.ts (bench/child.ts), or in-process (the test).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { equalBytes, fromHex, type Bytes } from '../protocol/bytes.js';
import type { Crypto } from '../protocol/crypto.js';
import {
  decodeDhtHeader,
  openNodesRequest,
  openNodesResponse,
  openPingRequest,
  openPingResponse,
  sealNodesRequest,
  sealNodesResponse,
  sealPingRequest,
  sealPingResponse,
} from '../protocol/dht/index.js';
import { isValidPublicKey } from '../protocol/keys.js';
import type { PackedNode } from '../protocol/packed-node.js';
import { PACKET_ID } from '../protocol/packet-ids.js';
import { childCase, reply } from './child.js';

export const MAX_KEYS = 4000;
export const MAX_STEP_REQUESTS = 400_000;
/** Sending pauses this long after each step so that late answers are counted with it. */
const DRAIN_MS = 500;
/** Sends are spread over ticks of this length (timers, no busy loop: the CPU is shared). */
const TICK_MS = 2;
/** At most this many of the server's own requests are answered a second. */
const SERVER_REQUEST_ANSWERS_PER_S = 1000;
/** A step whose requests went out at under this share of the asked rate was limited by the generator. */
const GENERATOR_SHORTFALL = 0.9;

export interface DhtLoadOptions {
  readonly crypto: Crypto;
  /** The server: a 127.0.0.1 UDP port and its DHT public key. */
  readonly port: number;
  readonly serverPk: Bytes;
  /** Its process, for CPU time from /proc (omitted: no CPU figures). */
  readonly serverPid?: number;
  readonly keys: number;
  /** Requests a second, one entry per step. */
  readonly rates: readonly number[];
  readonly stepMs: number;
  /** Stop after a step with answered / sent below this (default 0.95). */
  readonly stopBelow?: number;
  /** Answer the server's pings and nodes requests (default true). */
  readonly answerServer?: boolean;
  /** Warm-up at a low rate before the first step (ms, default 0): fills the server's tables. */
  readonly warmupMs?: number;
}

export interface DhtLoadStep {
  readonly rate: number;
  readonly sent: number;
  /** Wall time over which they were sent (ms). */
  readonly sendMs: number;
  readonly answered: number;
  /** Server CPU (user + system) over the step and its drain, ms; null without a pid. */
  readonly serverCpuMs: number | null;
  /** This process's CPU over the step, ms. */
  readonly generatorCpuMs: number;
  /** The server's resident memory after the step (MB), null without a pid. */
  readonly serverRssMb: number | null;
}

export interface DhtLoadResult {
  readonly keys: number;
  readonly steps: readonly DhtLoadStep[];
  /** Why the run stopped: 'answers' (below stopBelow), 'generator' (rate not kept), 'cap' (last step). */
  readonly stoppedBy: 'answers' | 'generator' | 'cap';
  /** Packets that looked like answers but were not valid ones (wrong key, unknown or repeated ping id, wrong kind). */
  readonly invalid: number;
  /** The invalid packets by reason. */
  readonly invalidBy: Readonly<Record<string, number>>;
  /** Other packets from the server (neither answers nor pings and nodes requests), by packet id in hex. */
  readonly other: Readonly<Record<string, number>>;
  /** The server's own requests received, and how many were answered. */
  readonly serverRequests: number;
  readonly serverRequestsAnswered: number;
}

/** utime + stime of a process in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Resident memory of a process in MB (/proc/<pid>/status VmRSS). */
export function processRssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

interface Client {
  readonly pk: Bytes;
  readonly shared: Bytes;
  readonly socket: Socket;
  port: number;
}

/** Kinds of request, indexed by the low bit of the sequence number. */
const NODES = 0;
const PING = 1;

export class DhtLoad {
  private readonly clients: Client[] = [];
  /** Per sequence number: the client that sent it, and whether it was answered. */
  private readonly sentBy: Int32Array;
  private readonly answeredSeq: Uint8Array;
  private nextSeq = 0;
  /** Answers counted per sequence range (the current step's first sequence number). */
  private stepFirst = 0;
  private stepAnswered = 0;
  private invalid = 0;
  private readonly invalidBy = new Map<string, number>();
  /** Packets from the server that are neither answers nor requests we answer, by packet id. */
  private readonly other = new Map<number, number>();
  private serverRequests = 0;
  private serverRequestsAnswered = 0;
  private answerWindowStart = 0;
  private answersInWindow = 0;
  /** 4 bytes in every ping id after the sequence number: answers from an earlier run do not count. */
  private readonly tag = new Uint8Array(randomBytes(4));
  private readonly targets: Bytes[] = [];

  private constructor(
    private readonly o: DhtLoadOptions,
    maxRequests: number,
  ) {
    this.sentBy = new Int32Array(maxRequests).fill(-1);
    this.answeredSeq = new Uint8Array(maxRequests);
    for (let i = 0; i < 64; i++) this.targets.push(new Uint8Array(randomBytes(32)));
  }

  /** Creates the clients (keys, shared keys, sockets) for a run of `o`. */
  static async open(o: DhtLoadOptions): Promise<DhtLoad> {
    if (!Number.isInteger(o.keys) || o.keys < 1 || o.keys > MAX_KEYS) throw new RangeError(`keys ${o.keys}: 1..${MAX_KEYS}`);
    const perStep = o.rates.map((r) => Math.ceil((r * o.stepMs) / 1000));
    if (perStep.some((n) => n < 1 || n > MAX_STEP_REQUESTS)) throw new RangeError(`a step of ${Math.max(...perStep)} requests: 1..${MAX_STEP_REQUESTS}`);
    const warm = Math.ceil(((o.warmupMs ?? 0) * WARMUP_RATE) / 1000);
    const load = new DhtLoad(o, perStep.reduce((a, b) => a + b, 0) + warm);
    for (let i = 0; i < o.keys; i++) {
      let sk: Bytes;
      let pk: Bytes;
      // A valid DHT key has its top bit clear (c-toxcore public_key_valid); both servers drop others.
      do {
        sk = new Uint8Array(randomBytes(32));
        pk = o.crypto.publicKeyFromSecret(sk);
      } while (!isValidPublicKey(pk));
      const socket = createSocket({ type: 'udp4', reuseAddr: false });
      const client: Client = { pk, shared: o.crypto.precompute(o.serverPk, sk), socket, port: 0 };
      const index = i;
      socket.on('message', (msg) => load.onMessage(index, new Uint8Array(msg.buffer, msg.byteOffset, msg.length)));
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => {
          socket.off('error', reject);
          resolve();
        });
      });
      client.port = socket.address().port;
      load.clients.push(client);
    }
    return load;
  }

  close(): void {
    for (const c of this.clients) c.socket.close();
  }

  /** Seals `n` requests (alternating nodes and ping requests, round robin over the clients). */
  private seal(n: number): { seq: number; packets: Bytes[] } {
    const { crypto } = this.o;
    const first = this.nextSeq;
    const nonces = new Uint8Array(randomBytes(24 * n));
    const packets: Bytes[] = new Array<Bytes>(n);
    const pingId = new Uint8Array(8);
    const view = new DataView(pingId.buffer);
    pingId.set(this.tag, 4);
    for (let k = 0; k < n; k++) {
      const seq = first + k;
      const ci = seq % this.clients.length;
      const c = this.clients[ci]!;
      this.sentBy[seq] = ci;
      view.setUint32(0, seq);
      const nonce = nonces.subarray(24 * k, 24 * k + 24);
      packets[k] =
        (seq & 1) === NODES
          ? sealNodesRequest(crypto, c.shared, c.pk, nonce, { searchedPk: this.targets[seq % this.targets.length]!, pingId })
          : sealPingRequest(crypto, c.shared, c.pk, nonce, { pingId });
    }
    this.nextSeq += n;
    return { seq: first, packets };
  }

  private onMessage(ci: number, data: Bytes): void {
    const c = this.clients[ci]!;
    const id = data[0] ?? -1;
    if (id !== PACKET_ID.nodes_response && id !== PACKET_ID.ping_response && id !== PACKET_ID.ping_request && id !== PACKET_ID.nodes_request) {
      this.other.set(id, (this.other.get(id) ?? 0) + 1);
      return;
    }
    const h = decodeDhtHeader(data);
    if (!h.ok || !equalBytes(h.value.senderPk, this.o.serverPk)) return this.bad(h.ok ? 'another sender key' : 'malformed');
    if (id === PACKET_ID.ping_request || id === PACKET_ID.nodes_request) return this.answerServer(ci, id, h.value);
    const opened = id === PACKET_ID.nodes_response ? openNodesResponse(this.o.crypto, c.shared, h.value) : openPingResponse(this.o.crypto, c.shared, h.value);
    if (!opened.ok) return this.bad(`${id === PACKET_ID.nodes_response ? 'nodes' : 'ping'} response does not open`);
    const pingId = opened.value.pingId;
    const seq = new DataView(pingId.buffer, pingId.byteOffset, 8).getUint32(0);
    const kind = id === PACKET_ID.nodes_response ? NODES : PING;
    // Ours, to this client, of this kind, once.
    if (!equalBytes(pingId.subarray(4), this.tag) || seq >= this.nextSeq || this.sentBy[seq] !== ci) return this.bad('ping id not sent by this client');
    if ((seq & 1) !== kind) return this.bad('wrong kind of answer');
    if (this.answeredSeq[seq] !== 0) return this.bad('answered again');
    this.answeredSeq[seq] = 1;
    if (seq >= this.stepFirst) this.stepAnswered++;
  }

  private bad(reason: string): void {
    this.invalid++;
    this.invalidBy.set(reason, (this.invalidBy.get(reason) ?? 0) + 1);
  }

  /** The server's ping or nodes request to client `ci`: answered like a client, within a budget. */
  private answerServer(ci: number, id: number, header: Parameters<typeof openPingRequest>[2]): void {
    this.serverRequests++;
    if (this.o.answerServer === false) return;
    const now = performance.now();
    if (now - this.answerWindowStart >= 1000) {
      this.answerWindowStart = now;
      this.answersInWindow = 0;
    }
    if (this.answersInWindow >= SERVER_REQUEST_ANSWERS_PER_S) return;
    const { crypto } = this.o;
    const c = this.clients[ci]!;
    const nonce = new Uint8Array(randomBytes(24));
    let out: Bytes;
    if (id === PACKET_ID.ping_request) {
      const p = openPingRequest(crypto, c.shared, header);
      if (!p.ok) return this.bad('ping request does not open');
      out = sealPingResponse(crypto, c.shared, c.pk, nonce, { pingId: p.value.pingId });
    } else {
      const r = openNodesRequest(crypto, c.shared, header);
      if (!r.ok) return this.bad('nodes request does not open');
      const nodes: PackedNode[] = [];
      for (let k = 1; k <= 4 && k < this.clients.length; k++) {
        const other = this.clients[(ci + k) % this.clients.length]!;
        nodes.push({ transport: 'udp', ipPort: { family: 'ipv4', ip: '127.0.0.1', port: other.port }, publicKey: other.pk });
      }
      out = sealNodesResponse(crypto, c.shared, c.pk, nonce, { nodes, pingId: r.value.pingId });
    }
    this.answersInWindow++;
    this.serverRequestsAnswered++;
    c.socket.send(out, this.o.port, '127.0.0.1');
  }

  /** Sends `packets` (sequence numbers from `seq`) at `rate` a second; resolves with the wall time taken. */
  private async send(seq: number, packets: readonly Bytes[], rate: number): Promise<number> {
    const t0 = performance.now();
    let sent = 0;
    while (sent < packets.length) {
      const due = Math.min(packets.length, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const s = seq + sent;
        this.clients[this.sentBy[s]!]!.socket.send(packets[sent]!, this.o.port, '127.0.0.1');
      }
      await sleep(TICK_MS);
    }
    return performance.now() - t0;
  }

  /** Sends at WARMUP_RATE for `warmupMs` (fills the server's tables), then waits for late answers. */
  async warmup(): Promise<void> {
    const warmMs = this.o.warmupMs ?? 0;
    if (warmMs <= 0) return;
    const w = this.seal(Math.ceil((warmMs * WARMUP_RATE) / 1000));
    await this.send(w.seq, w.packets, WARMUP_RATE);
    await sleep(DRAIN_MS);
  }

  private readonly steps: DhtLoadStep[] = [];
  /** Why this load stopped; null while it goes on. */
  stoppedBy: DhtLoadResult['stoppedBy'] | null = null;

  /** One step at `rate` (then DRAIN_MS for late answers); decides whether the load stops here. */
  async step(rate: number): Promise<DhtLoadStep> {
    const o = this.o;
    const { seq, packets } = this.seal(Math.ceil((rate * o.stepMs) / 1000));
    this.stepFirst = seq;
    this.stepAnswered = 0;
    const cpu0 = o.serverPid !== undefined ? processCpuMs(o.serverPid) : 0;
    const own0 = process.cpuUsage();
    const sendMs = await this.send(seq, packets, rate);
    const own = process.cpuUsage(own0);
    await sleep(DRAIN_MS);
    const serverCpuMs = o.serverPid !== undefined ? processCpuMs(o.serverPid) - cpu0 : null;
    const step: DhtLoadStep = { rate, sent: packets.length, sendMs, answered: this.stepAnswered, serverCpuMs, generatorCpuMs: (own.user + own.system) / 1000, serverRssMb: o.serverPid !== undefined ? processRssMb(o.serverPid) : null };
    this.steps.push(step);
    if (step.answered < (o.stopBelow ?? 0.95) * step.sent) this.stoppedBy = 'answers';
    else if ((step.sent * 1000) / step.sendMs < GENERATOR_SHORTFALL * rate) this.stoppedBy = 'generator';
    else if (this.steps.length === o.rates.length) this.stoppedBy = 'cap';
    return step;
  }

  /** The figures so far. */
  result(): DhtLoadResult {
    return {
      keys: this.clients.length,
      steps: [...this.steps],
      stoppedBy: this.stoppedBy ?? 'cap',
      invalid: this.invalid,
      invalidBy: Object.fromEntries(this.invalidBy),
      other: Object.fromEntries([...this.other].map(([id, n]) => [`0x${id.toString(16).padStart(2, '0')}`, n])),
      serverRequests: this.serverRequests,
      serverRequestsAnswered: this.serverRequestsAnswered,
    };
  }

  /** Runs the steps (after the warm-up) and returns the figures. */
  async run(): Promise<DhtLoadResult> {
    await this.warmup();
    for (const rate of this.o.rates) {
      await this.step(rate);
      if (this.stoppedBy !== null) break;
    }
    return this.result();
  }
}

/** Requests a second during the warm-up. */
const WARMUP_RATE = 500;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One run: open the clients, run the steps, close every socket. */
export async function runDhtLoad(o: DhtLoadOptions): Promise<DhtLoadResult> {
  const load = await DhtLoad.open(o);
  try {
    return await load.run();
  } finally {
    load.close();
  }
}

/**
 * Several servers under the same load, taken in turn step by step (each rate on every server that
 * has not stopped, then the next rate), so that the servers meet the same conditions on a machine
 * whose load changes from minute to minute. Each server has its own clients (keys, sockets).
 */
export async function runDhtLoadInTurn(servers: ReadonlyArray<Pick<DhtLoadOptions, 'port' | 'serverPk' | 'serverPid'>>, common: Omit<DhtLoadOptions, 'port' | 'serverPk' | 'serverPid'>): Promise<DhtLoadResult[]> {
  if (servers.length < 1 || servers.length > 4) throw new RangeError(`servers ${servers.length}: 1..4`);
  const loads: DhtLoad[] = [];
  try {
    for (const s of servers) loads.push(await DhtLoad.open({ ...common, ...s }));
    for (const l of loads) await l.warmup();
    for (const rate of common.rates) {
      const going = loads.filter((l) => l.stoppedBy === null);
      if (going.length === 0) break;
      for (const l of going) await l.step(rate);
    }
    return loads.map((l) => l.result());
  } finally {
    for (const l of loads) l.close();
  }
}

/** The child's case (bench/dht-serve.ts): everything but the crypto, which the child loads, for each server in turn. */
export interface DhtLoadCase extends Omit<DhtLoadOptions, 'crypto' | 'serverPk' | 'port' | 'serverPid'> {
  readonly servers: ReadonlyArray<{ readonly port: number; readonly serverPkHex: string; readonly serverPid: number }>;
}

const job = childCase<DhtLoadCase>(import.meta.url);
if (job !== null) {
  const { loadCrypto } = await import('../runtime/adapters/node-crypto.js');
  const servers = job.servers.map((s) => {
    const pk = fromHex(s.serverPkHex.toLowerCase());
    if (!pk.ok) throw new Error(`server key ${s.serverPkHex}: ${pk.error}`);
    return { port: s.port, serverPid: s.serverPid, serverPk: pk.value };
  });
  const { servers: _, ...common } = job;
  reply(await runDhtLoadInTurn(servers, { ...common, crypto: await loadCrypto() }));
  process.exit(0);
}
