/**
 * Relay throughput: data packets per second through ONE TCP relay carrying 100 client pairs (200
 * connections, each pair routed to each other and connected only through the relay), a toxstate
 * relay beside a c-toxcore 0.2.18 relay, driven by the same load generator (tcp-relay-load.ts: the
 * relay protocol spoken directly with protocol/tcp, on real loopback sockets).
 *
 * Each relay runs in its own process, so the generator's CPU is not counted as the relay's: the
 * toxstate relay is the real `toxstate node --tcp-port 0` (harness/node-process.ts), the
 * c-toxcore one cpeer with tox_options tcp_port (harness/interop/cpeer.ts startTcpRelay). The
 * relay's CPU during the sending phase is read from /proc/<pid>/stat (utime + stime), the same way
 * for both. Figures, never assertions.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { fromHex, type Bytes } from '../protocol/bytes.js';
import { loadCrypto } from '../runtime/adapters/node-crypto.js';
import { CPeer, startTcpRelay, tcpRelayOf } from '../harness/interop/cpeer.js';
import { startNodeProcess, type NodeProcess } from '../harness/node-process.js';
import { cAvailability, sleep } from './pairs.js';
import { runRelayLoad, type LoadResult } from './tcp-relay-load.js';
import type { Bench, BenchResult } from './types.js';

const FULL = { pairs: 100, sendMs: 10_000 };
const QUICK = { pairs: 2, sendMs: 1_000 };
/** Data packets each client keeps on the way (see tcp-relay-load.ts); 32 × 1 KiB per direction. */
const WINDOW = 32;
/** Bytes after the route id: a net_crypto packet carrying a 1 KiB message is about this long. */
const PAYLOAD_BYTES = 1024;
/** On the wire per data packet: length 2 + MAC 16 + route id 1 + payload. */
const WIRE_BYTES = 2 + 16 + 1 + PAYLOAD_BYTES;
/** Linux reports process times in USER_HZ ticks, 100 per second (proc(5)). */
const TICK_MS = 10;
const READY_MS = 30_000;

/** utime + stime of a process so far (ms), from /proc/<pid>/stat; NaN when unreadable. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14 and stime 15 (proc(5)).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

interface RunningRelay {
  readonly pid: number;
  readonly port: number;
  readonly pk: Bytes;
  /** Stops the relay; resolves with what it says about itself afterwards (counters), if anything. */
  stop(): Promise<string | null>;
}

const hexKey = (hex: string): Bytes => {
  const b = fromHex(hex.toLowerCase());
  if (!b.ok) throw new Error(`relay key is not hex: ${hex}`);
  return b.value;
};

async function startCRelay(): Promise<RunningRelay> {
  const r: CPeer = await startTcpRelay({ label: 'relay', name: 'relay' });
  const relay = tcpRelayOf(r);
  return {
    pid: r.pid,
    port: relay.port,
    pk: hexKey(relay.pk),
    async stop() {
      await r.close();
      return null;
    },
  };
}

async function startToxstateRelay(children: ChildProcess[]): Promise<RunningRelay> {
  const n: NodeProcess = startNodeProcess(['--tcp-port', '0'], children);
  const self = await n.waitFor((e) => e.ev === 'self', READY_MS, 'self line');
  const [, port, pk] = String(self['tcp_relay']).split(':');
  return {
    pid: n.child.pid ?? -1,
    port: Number(port),
    pk: hexKey(pk ?? ''),
    async stop() {
      await n.stop();
      const stopped = n.events.find((e) => e.ev === 'stopped');
      const counters = (stopped?.['counters'] ?? {}) as Record<string, number>;
      const pick = ['tcp_server.data_relayed', 'drop.tcp_server.rate_limited', 'tcp.write_overflow'];
      return pick.map((k) => `${k} ${counters[k] ?? 0}`).join(', ');
    },
  };
}

interface Measured {
  readonly load: LoadResult;
  readonly relayCpuMs: number;
  readonly generatorCpuMs: number;
  readonly relaySays: string | null;
}

async function measure(start: () => Promise<RunningRelay>, sizes: { pairs: number; sendMs: number }): Promise<Measured> {
  const crypto = await loadCrypto();
  const relay = await start();
  let relayCpu = 0;
  let genCpu = 0;
  const genNow = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let load: LoadResult;
  try {
    load = await runRelayLoad({
      crypto,
      port: relay.port,
      relayPk: relay.pk,
      pairs: sizes.pairs,
      sendMs: sizes.sendMs,
      window: WINDOW,
      payloadBytes: PAYLOAD_BYTES,
      onSendStart: () => {
        relayCpu = -processCpuMs(relay.pid);
        genCpu = -genNow();
      },
      onSendStop: () => {
        relayCpu += processCpuMs(relay.pid);
        genCpu += genNow();
      },
    });
  } catch (e) {
    await relay.stop();
    throw e;
  }
  const relaySays = await relay.stop();
  return { load, relayCpuMs: relayCpu, generatorCpuMs: genCpu, relaySays };
}

const RELAYS = ['toxstate relay', 'c-toxcore relay'] as const;

function row(relay: string, m: Measured | null): Record<string, string | number> {
  if (m === null) {
    return { relay, clients: 'n/a', 'msgs/s': 'n/a', 'MB/s': 'n/a', lost: 'n/a', 'relay CPU %': 'n/a', 'relay CPU µs/msg': 'n/a', 'generator CPU %': 'n/a' };
  }
  const s = m.load.sendMs / 1000;
  const perSecond = m.load.delivered / s;
  return {
    relay,
    clients: m.load.clients,
    'msgs/s': Math.round(perSecond),
    'MB/s': Number(((perSecond * PAYLOAD_BYTES) / 1e6).toFixed(2)),
    lost: m.load.lost,
    'relay CPU %': Math.round((m.relayCpuMs / m.load.sendMs) * 100),
    'relay CPU µs/msg': m.load.delivered > 0 ? Number(((m.relayCpuMs * 1000) / m.load.delivered).toFixed(1)) : 'n/a',
    'generator CPU %': Math.round((m.generatorCpuMs / m.load.sendMs) * 100),
  };
}

export const tcpRelayThroughputBench: Bench = {
  name: 'tcp-relay-throughput',
  title: 'One TCP relay, 100 client pairs routed through it: data packets of 1 KiB relayed per second',
  async run({ quick }): Promise<BenchResult> {
    const sizes = quick ? QUICK : FULL;
    const avail = await cAvailability();
    const notes: string[] = [];
    if (!avail.ok) notes.push(`c-toxcore relay n/a: ${avail.reason}`);
    if (quick) notes.push(`quick: ${QUICK.pairs} pairs, ${QUICK.sendMs / 1000} s of sending`);
    const rows: Array<Record<string, string | number>> = [];
    const children: ChildProcess[] = [];
    const measured: Measured[] = [];
    for (const relay of RELAYS) {
      if (relay === 'c-toxcore relay' && !avail.ok) {
        rows.push(row(relay, null));
        continue;
      }
      try {
        const m = await measure(relay === 'toxstate relay' ? () => startToxstateRelay(children) : startCRelay, sizes);
        rows.push(row(relay, m));
        measured.push(m);
        const extra = [
          m.load.bad > 0 ? `${m.load.bad} packets misrouted, reordered or unreadable` : '',
          m.load.closedByRelay > 0 ? `${m.load.closedByRelay} connections closed by the relay while sending` : '',
          m.load.stalls > 0 ? `${m.load.stalls} windows written off after 2 s without an arrival` : '',
          m.relaySays ?? '',
        ].filter((x) => x !== '');
        notes.push(
          `${relay}: routes of all ${m.load.clients} clients online ${(m.load.setupMs / 1000).toFixed(2)} s after the first connect; ` +
            `sending phase ${(m.load.sendMs / 1000).toFixed(2)} s (1-min load average then ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores); ` +
            `${m.load.sent} packets sent, ${m.load.received} received in all${extra.length ? `; ${extra.join('; ')}` : ''}.`,
        );
      } catch (e) {
        // A smoke run must fail loudly; a full run records the failure and goes on.
        if (quick) throw e;
        notes.push(`${relay}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
        rows.push(row(relay, null));
      } finally {
        for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
      await sleep(300);
    }
    const busiest = Math.max(0, ...measured.flatMap((m) => [m.relayCpuMs, m.generatorCpuMs].map((cpu) => cpu / m.load.sendMs)));
    if (measured.length > 0 && busiest < 0.9 && !quick) {
      notes.push(
        `Neither relay nor generator used a whole core (at most ${Math.round(busiest * 100)} %): with other work on the machine each process ran on the share of the ` +
          `${cpus().length} cores it got, so msgs/s is bounded by that share, not by the relay; relay CPU µs/msg is the figure that compares the two relays.`,
      );
    }
    notes.push(
      `Every client sends data packets of ${PAYLOAD_BYTES} bytes (${WIRE_BYTES} on the wire) to its partner, keeping at most ${WINDOW} on the way ` +
        '(a closed loop: the next goes when one arrives), for the whole sending phase; msgs/s counts packets that reached the partner during it, ' +
        'each checked for sender and order; MB = 10^6 bytes of payload. Relay CPU is the relay process’s utime + stime over the phase (100 % = one core).',
    );
    notes.push(
      'c-toxcore serves its relay inside tox_iterate (Messenger.c do_messenger → TCP_server.c do_TCP_server, epoll), and cpeer runs tox_iterate ' +
        'every tox_iteration_interval (≤ 50 ms), so each client waits up to a loop for its window to move; it drops a packet it cannot write ' +
        'to a full socket at once (TCP_server.c write_packet_TCP_secure_connection), which is why the window is bounded. toxstate relays as data arrives ' +
        '(one event-loop turn), charging each client a 1 MiB/s budget (runtime/tcp/server.ts).',
    );
    return { rows, notes };
  },
};
