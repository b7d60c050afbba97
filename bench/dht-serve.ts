/**
 * Serving the DHT like a public bootstrap node: c-toxcore's tox-bootstrapd (Debian's
 * toxcore-utils 0.2.18) beside `toxstate node`, each a real process on 127.0.0.1
 * (bench/dht-serve-servers.ts), under the same load generator (bench/dht-serve-load.ts, in its
 * own child process): 2,000 distinct client DHT keys on their own sockets send nodes requests
 * and pings at a rising rate, each step for a few seconds, until fewer than 95 % are answered or
 * the generator cannot keep the rate. Both servers run side by side and are loaded in turn, step
 * by step, so that they meet the same conditions on a machine whose load changes. Figures per step: requests sent and validly answered per
 * second, and the server's CPU time (from /proc) per answered request. Measured, never asserted.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DhtLoadCase, DhtLoadResult, DhtLoadStep } from './dht-serve-load.js';
import { bootstrapdAvailability, startBootstrapd, startToxstateNode, type DhtServer } from './dht-serve-servers.js';
import type { Bench, BenchResult } from './types.js';

const FULL = { keys: 2000, rates: [1000, 2000, 3000, 4000, 6000, 8000, 12_000, 16_000, 24_000, 32_000, 48_000, 64_000], stepMs: 2500, warmupMs: 2000 };
const QUICK = { keys: 50, rates: [500, 1000], stepMs: 400, warmupMs: 0 };
const STOP_BELOW = 0.95;
const GENERATOR = resolve(fileURLToPath(import.meta.url), '..', 'dht-serve-load.ts');
const root = resolve(fileURLToPath(import.meta.url), '..', '..');

/** Runs the generator as a child (bench/child.ts's protocol, without blocking this process); its reply or an Error. */
function runGenerator(c: DhtLoadCase, timeoutMs: number): Promise<DhtLoadResult[] | Error> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', GENERATOR, '--bench-child', JSON.stringify(c)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@bench-result '));
      if (line !== undefined) return done(JSON.parse(line.slice('@@bench-result '.length)) as DhtLoadResult[]);
      done(new Error(`load generator: ${signal ? `killed by ${signal}` : `exit ${code}`}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

interface Measured {
  readonly server: string;
  readonly load: DhtLoadResult;
  readonly says: string;
}

/** Starts every server, runs the generator over them in turn (runDhtLoadInTurn), stops them all. */
async function measure(starts: ReadonlyArray<() => Promise<DhtServer>>, sizes: typeof FULL): Promise<Measured[]> {
  const servers: DhtServer[] = [];
  let loads: DhtLoadResult[] | Error;
  const says: string[] = [];
  try {
    for (const start of starts) servers.push(await start());
    const perStep = (sizes.stepMs + 1500) * servers.length;
    loads = await runGenerator(
      { servers: servers.map((s) => ({ port: s.port, serverPkHex: s.pkHex, serverPid: s.pid })), keys: sizes.keys, rates: sizes.rates, stepMs: sizes.stepMs, warmupMs: sizes.warmupMs, stopBelow: STOP_BELOW },
      60_000 + (sizes.warmupMs + 1000) * servers.length + sizes.rates.length * perStep * 2,
    );
  } finally {
    for (const s of servers) says.push(await s.stop());
  }
  if (loads instanceof Error) throw loads;
  const results = loads;
  return servers.map((s, i) => ({ server: s.name, load: results[i]!, says: says[i] ?? '' }));
}

const NA = { 'rate (req/s)': 'n/a', 'sent/s': 'n/a', 'answered/s': 'n/a', 'answered %': 'n/a', 'server CPU %': 'n/a', 'CPU µs/req': 'n/a', 'RSS MB': 'n/a' };

function stepRow(server: string, s: DhtLoadStep): Record<string, string | number> {
  const secs = s.sendMs / 1000;
  return {
    server,
    'rate (req/s)': s.rate,
    'sent/s': Math.round(s.sent / secs),
    'answered/s': Math.round(s.answered / secs),
    'answered %': Number(((100 * s.answered) / s.sent).toFixed(1)),
    'server CPU %': s.serverCpuMs === null ? 'n/a' : Math.round((100 * s.serverCpuMs) / s.sendMs),
    'CPU µs/req': s.serverCpuMs === null || s.answered === 0 ? 'n/a' : Number(((1000 * s.serverCpuMs) / s.answered).toFixed(1)),
    'RSS MB': s.serverRssMb ?? 'n/a',
  };
}

/** The highest answered/s of a step with at least STOP_BELOW answered (0 when none). */
export function maxCleanRate(load: DhtLoadResult): number {
  const clean = load.steps.filter((s) => s.answered >= STOP_BELOW * s.sent);
  return Math.max(0, ...clean.map((s) => Math.round((s.answered * 1000) / s.sendMs)));
}

/**
 * Server CPU µs per answered request over every step with at least STOP_BELOW answered but the
 * first (whose per-request figure carries the server's idle cost over few requests); null without one.
 */
export function cleanCpuPerRequest(load: DhtLoadResult): number | null {
  const clean = load.steps.slice(1).filter((s) => s.answered >= STOP_BELOW * s.sent && s.serverCpuMs !== null);
  const answered = clean.reduce((n, s) => n + s.answered, 0);
  return answered > 0 ? (1000 * clean.reduce((n, s) => n + s.serverCpuMs!, 0)) / answered : null;
}

export const dhtServeBench: Bench = {
  name: 'dht-serve',
  title: 'Serving the DHT: nodes requests and pings from 2,000 keys at rising rates, tox-bootstrapd beside toxstate node',
  async run({ quick }): Promise<BenchResult> {
    const sizes = quick ? QUICK : FULL;
    const notes: string[] = [];
    const rows: Array<Record<string, string | number>> = [];
    const measured: Measured[] = [];
    const avail = await bootstrapdAvailability();
    if (!avail.ok) notes.push(`tox-bootstrapd n/a: ${avail.reason}`);
    if (quick) notes.push(`quick: ${QUICK.keys} keys, steps ${QUICK.rates.join(', ')} req/s of ${QUICK.stepMs} ms`);
    const servers: Array<[string, (() => Promise<DhtServer>) | null]> = [
      ['toxstate node', () => startToxstateNode()],
      ['tox-bootstrapd', avail.ok ? () => startBootstrapd(avail.binary, avail.shim) : null],
    ];
    for (const [name, start] of servers) if (start === null) rows.push({ server: name, ...NA });
    const load0 = loadavg()[0]!;
    try {
      for (const m of await measure(servers.flatMap(([, start]) => (start === null ? [] : [start])), sizes)) {
        measured.push(m);
        for (const s of m.load.steps) rows.push(stepRow(m.server, s));
        const why = { answers: `fewer than ${STOP_BELOW * 100} % answered`, generator: 'the generator could not keep the rate', cap: 'last step' }[m.load.stoppedBy];
        notes.push(
          `${m.server}: stopped after ${m.load.steps.length} steps (${why}); ${m.load.invalid} invalid answers${m.load.invalid > 0 ? ` ${JSON.stringify(m.load.invalidBy)}` : ''}; other packets ${JSON.stringify(m.load.other)}; ${m.load.serverRequests} requests from the server ` +
            `(${m.load.serverRequestsAnswered} answered)${m.says ? `; ${m.says}` : ''}.`,
        );
      }
      notes.push(`The servers ran side by side and were loaded in turn, step by step (each rate on one, then on the other); 1-min load average ${load0.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after.`);
    } catch (e) {
      if (quick) throw e;
      notes.push(`run failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      for (const [name, start] of servers) if (start !== null) rows.push({ server: name, ...NA });
    }
    const best = new Map(measured.map((m) => [m.server, maxCleanRate(m.load)]));
    const ts = best.get('toxstate node');
    const cs = best.get('tox-bootstrapd');
    if (ts !== undefined && cs !== undefined) {
      const capped = measured.some((m) => m.load.stoppedBy !== 'answers');
      notes.push(
        `Most answered per second with ≥ ${STOP_BELOW * 100} % answered: toxstate node ${ts.toLocaleString('en-US')}, tox-bootstrapd ${cs.toLocaleString('en-US')} ` +
          `(toxstate / tox-bootstrapd = ${cs > 0 ? (ts / cs).toFixed(2) : 'n/a'})${capped ? '; a server that never fell below is bounded by the generator or the last step, not by itself' : ''}.`,
      );
      const [tc, cc] = ['toxstate node', 'tox-bootstrapd'].map((n) => cleanCpuPerRequest(measured.find((m) => m.server === n)!.load));
      if (tc !== null && tc !== undefined && cc !== null && cc !== undefined) {
        notes.push(
          `Server CPU per answered request over the fully answered steps after the first: toxstate node ${tc.toFixed(1)} µs, tox-bootstrapd ${cc.toFixed(1)} µs; ` +
            `the rates one whole core would allow are ${Math.round(1e6 / tc).toLocaleString('en-US')} and ${Math.round(1e6 / cc).toLocaleString('en-US')} req/s ` +
            `(toxstate / tox-bootstrapd = ${(cc / tc).toFixed(2)}).`,
        );
      }
    }
    notes.push(
      `Each step sends for ${sizes.stepMs / 1000} s (${sizes.keys} client keys round robin, nodes requests and pings alternating, sealed before the step), ` +
        'then waits 0.5 s for late answers; an answer counts when it comes from the server’s key, opens with the client’s shared key and echoes a ping id that ' +
        `client sent, of the same kind, once. Server CPU is its utime + stime over the step and the wait (100 % = one core), per answered request. ` +
        `Both servers start empty; the generator answers their pings and nodes requests, so their tables fill with the clients. ` +
        `The machine has ${cpus().length} cores, shared by the server, the generator and anything else running: a server that gets less than a core drops ` +
        'requests at a lower rate than its CPU µs/req allows, so compare the rates only between runs on a quiet machine.',
    );
    notes.push(
      'Both answer a nodes request with up to 4 nodes; toxstate answers a requester whose address it has not verified with 1 node once a global budget ' +
        'is spent (dht.nodes_response_shortened: the amplification bound of runtime/dht/packets.ts answerSize), so most of its answers here are smaller. ' +
        'c-toxcore caches 1,024 shared keys (DHT.c get_shared_key: 256 slots of 4 chosen by one key byte, the least used replaced), toxstate 16,384 ' +
        '(runtime/keys.ts): with 2,000 clients, about 8 a slot, c-toxcore computes the key (X25519) again for every request from the clients beyond ' +
        'a slot’s 4 — a real bootstrap node with many clients pays that too.',
    );
    if (measured.some((m) => m.server === 'tox-bootstrapd')) {
      notes.push(
        'tox-bootstrapd reads its socket once per loop and sleeps 30 ms between loops (tox-bootstrapd.c main: networking_poll, sleep_milliseconds(30)); ' +
          'what arrives meanwhile waits in its 2 MiB socket buffer (network.c new_networking_ex). toxstate answers each request as it arrives (one ' +
          'event-loop wake-up, one sendmsg); on loopback a sendmsg also pays for delivering to and waking the receiver, so at the lowest rates, where ' +
          'nothing is batched, toxstate’s CPU per request is highest.',
      );
    }
    return { rows, notes };
  },
};
