/**
 * Time to "friend online" through one TCP relay, side by side: two TCP-only c-toxcore 0.2.18 peers
 * (tox_options udp_enabled false) through a c-toxcore relay — the reference — and through a
 * toxstate relay; toxstate (UDP on) with a TCP-only c-toxcore peer through a c-toxcore relay; two
 * TCP-only toxstate peers through a toxstate relay. Fresh identities and a fresh relay every trial,
 * all on 127.0.0.1; both peers start at once, then each adds the other without a request
 * (tox_friend_add_norequest: cpeer `addnr`, TPeer `addFriend`). Timed from just before the two peers start (the relay already
 * runs) until both report the other online — over TCP for c-toxcore (TOX_CONNECTION_TCP,
 * friend_connection.c through TCP_connection.c), `friend_online` for toxstate. Medians of several
 * trials, with the ratio to the reference. Figures, never assertions.
 *
 * How the peers find each other: a TCP-only c-toxcore peer reaches the onion through its relay
 * (onion_client.c random_nodes_path_onion starts a path at a TCP relay) and names its relays in
 * its DHT-PK (onion_client.c send_dhtpk_announce); the friend connects to them
 * (friend_connection.c tcp_relay_node_callback), so the UDP toxstate peer is given no relay.
 */
import { cpus, loadavg } from 'node:os';
import { CPeer, startTcpRelay, tcpRelayOf, type TcpRelay } from '../harness/interop/cpeer.js';
import { TPeer, type LoopbackNode } from '../harness/interop/tpeer.js';
import { BENCH_WAIT_MS, cAvailability, closeEverything, medianRows, sleep } from './pairs.js';
import type { Bench, BenchResult } from './types.js';

const FULL_TRIALS = 7;
const PAUSE_MS = 300;

type RelayKind = 'c-toxcore' | 'toxstate';

interface RelayCase {
  readonly name: string;
  readonly relay: RelayKind;
  /** Who the two friends are: two TCP-only c-toxcore peers, toxstate (UDP on) with one, or two TCP-only toxstate peers. */
  readonly peers: 'c-c' | 't-c' | 't-t';
  readonly needsC: boolean;
  /** Runs in the quick smoke. */
  readonly quick: boolean;
}

const REFERENCE: RelayCase = { name: 'c-toxcore ↔ c-toxcore (both UDP off), c-toxcore relay', relay: 'c-toxcore', peers: 'c-c', needsC: true, quick: false };
const CASES: readonly RelayCase[] = [
  REFERENCE,
  { name: 'c-toxcore ↔ c-toxcore (both UDP off), toxstate relay', relay: 'toxstate', peers: 'c-c', needsC: true, quick: true },
  { name: 'toxstate (UDP on) ↔ c-toxcore (UDP off), c-toxcore relay', relay: 'c-toxcore', peers: 't-c', needsC: true, quick: false },
  { name: 'toxstate ↔ toxstate (both UDP off), toxstate relay', relay: 'toxstate', peers: 't-t', needsC: false, quick: true },
];

/** A running relay: its TCP relay (for clients) and its UDP node (for bootstrapping; the key is the DHT key for both). */
interface Relay {
  readonly tcp: TcpRelay;
  readonly udp: LoopbackNode;
}

async function startRelay(kind: RelayKind): Promise<Relay> {
  if (kind === 'c-toxcore') {
    const r = await startTcpRelay({ label: 'relay', name: 'relay' });
    return { tcp: tcpRelayOf(r), udp: { port: r.identity.port, dhtpk: r.identity.dhtpk } };
  }
  const r = await TPeer.start({ label: 'relay', name: 'relay', tcpServer: true, journalCapacity: 10_000 });
  return { tcp: { port: r.tcpRelay.port, pk: r.dhtpkHex.toUpperCase() }, udp: r.asBootstrap };
}

/** When `c` reported `friendPk` connected over TCP (its event's read time on this process's clock). */
async function cOnlineAt(c: CPeer, friendPk: string, waitMs: number): Promise<number> {
  const pk = friendPk.toLowerCase();
  const e = await c.waitForEvent('friend_connection', (x) => x.pk.toLowerCase() === pk && x.status === 'tcp', waitMs);
  return (c.arrivedAtMs[c.events.indexOf(e)] ?? performance.timeOrigin + performance.now()) - performance.timeOrigin;
}

async function tOnlineAt(t: TPeer, friendPk: string, waitMs: number): Promise<number> {
  const pk = friendPk.toLowerCase();
  const e = await t.waitForEvent('friend_online', (x) => x.friend === pk, waitMs);
  return t.seenAtMs[t.events.indexOf(e)] ?? performance.now();
}

/** One trial: ms from starting the two peers until both report the other online. */
async function trial(c: RelayCase, waitMs: number): Promise<number> {
  const relay = await startRelay(c.relay);
  const tcpOnly = { udpOff: true, tcpRelays: [relay.tcp], bootstrap: [relay.udp] };
  const started = performance.now();
  if (c.peers === 'c-c') {
    const [a, b] = await Promise.all([CPeer.start({ label: 'A', name: 'A', ...tcpOnly }), CPeer.start({ label: 'B', name: 'B', ...tcpOnly })]);
    await Promise.all([a.request(`addnr ${b.identity.pk}`, 'friend_added'), b.request(`addnr ${a.identity.pk}`, 'friend_added')]);
    const [x, y] = await Promise.all([cOnlineAt(a, b.identity.pk, waitMs), cOnlineAt(b, a.identity.pk, waitMs)]);
    return Math.max(x, y) - started;
  }
  if (c.peers === 't-c') {
    const [cp, t] = await Promise.all([
      CPeer.start({ label: 'C', name: 'c-toxcore', ...tcpOnly }),
      TPeer.start({ label: 'T', name: 'toxstate', bootstrap: [relay.udp], journalCapacity: 10_000 }),
    ]);
    t.addFriend(cp.identity.pk);
    await cp.request(`addnr ${t.pkHex.toUpperCase()}`, 'friend_added');
    const [x, y] = await Promise.all([tOnlineAt(t, cp.identity.pk, waitMs), cOnlineAt(cp, t.pkHex, waitMs)]);
    return Math.max(x, y) - started;
  }
  // As the c-toxcore peers: the relay is also the bootstrap node (with UDP off, an onion path node only).
  const viaRelay = { udpOff: true, tcpRelays: [{ port: relay.tcp.port, dhtpk: relay.tcp.pk }], bootstrap: [relay.udp], journalCapacity: 10_000 };
  const [a, b] = await Promise.all([TPeer.start({ label: 'A', name: 'A', ...viaRelay }), TPeer.start({ label: 'B', name: 'B', ...viaRelay })]);
  a.addFriend(b.pkHex);
  b.addFriend(a.pkHex);
  const [x, y] = await Promise.all([tOnlineAt(a, b.pkHex, waitMs), tOnlineAt(b, a.pkHex, waitMs)]);
  return Math.max(x, y) - started;
}

const firstLine = (e: unknown): string => (e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e));

export const tcpRelayOnlineBench: Bench = {
  name: 'tcp-relay-online',
  title: 'Time to friend online through one TCP relay, on loopback (s)',
  async run({ quick }): Promise<BenchResult> {
    const avail = await cAvailability();
    const loadAtStart = loadavg()[0]!;
    const trials = quick ? 1 : FULL_TRIALS;
    const notes: string[] = [];
    if (!avail.ok) notes.push(`c-toxcore rows n/a: ${avail.reason}`);
    if (quick) notes.push('quick: one trial each; rows with a c-toxcore peer on each side of a c-toxcore relay (~9 s) are skipped, so no ratio');
    const results = new Map<string, number[]>();
    for (const c of CASES) {
      if ((c.needsC && !avail.ok) || (quick && !c.quick)) continue;
      const waitMs = BENCH_WAIT_MS;
      const times: number[] = [];
      let failures = 0;
      for (let i = 0; i < trials; i++) {
        try {
          times.push(await trial(c, waitMs));
        } catch (e) {
          failures++;
          // A smoke run must fail loudly (unless the row is known not to work yet); a full run records the failure and goes on.
          if (quick) throw e;
          notes.push(`${c.name}, trial ${i + 1}: ${firstLine(e)}`);
        } finally {
          await closeEverything();
        }
        await sleep(PAUSE_MS);
        // A row that never worked, or failed twice, is not tried further.
        if ((times.length === 0 && failures > 0) || failures >= 2) break;
      }
      results.set(c.name, times);
    }
    const rows = medianRows(CASES.map((c) => c.name), results, REFERENCE.name);
    notes.push(
      'Each trial starts a fresh relay (UDP on: a c-toxcore peer with tox_options tcp_port, or a toxstate engine with tcpServer in this process), then the two peers, ' +
        "timed from there; the TCP-only peers bootstrap to the relay's UDP node (tox_bootstrap, which with UDP off only seeds onion paths) and use it as their TCP relay. " +
        'Toxstate peers run in this process; c-toxcore times include starting cpeer (a few ms) and one pipe hop.',
    );
    notes.push(
      "What bounds the rows with a TCP-only c-toxcore peer is c-toxcore's onion client: it announces from 3 s after it first runs and looks for friends " +
        '(and sends them its DHT-PK, which names the relays to meet at) only once it has counted itself announced for 3 s more (onion_client.c ' +
        'do_onion_client, onion_connection_status, ONION_CONNECTION_SECONDS). In a traced run the TCP-only peer reported itself connected 7.4 s after ' +
        "tox_new and toxstate held its DHT-PK 1 s later. toxstate's shortcut with a UDP c-toxcore peer (2.7 s in the cold-start table: it answers the " +
        "first announce with its own DHT-PK) cannot help here: the TCP-only peer has no address to reach, and toxstate, on UDP, has no relay to name.",
    );
    notes.push(
      `1-min load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores` +
        (Math.max(loadAtStart, loadavg()[0]!) > cpus().length ? ': the machine was shared with other work while this ran.' : '.'),
    );
    return { rows, notes };
  },
};
