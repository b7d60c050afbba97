/**
 * The conformance campaign's capture half (issue 16): real Tox peers on loopback in a few
 * scenarios, each written out as a capture of every UDP datagram either peer sent, the peers'
 * profiles (long-term keys), their events and a scenario summary, for `toxstate check` to read.
 *
 * A scenario models two peers that become friends by a friend request — `alice` (accepts every
 * request; started first, the bootstrap node) and `bob` (bootstraps to alice, alice to him; he
 * sends the request) — exchange one message each way once both report the friend online, and then
 * live through a condition:
 *   clean     nothing more;
 *   loss10    both peers lose 10% of the datagrams they receive, from the start;
 *   restart   one peer (bob unless `restartPeer`) quits, its profile saved, and starts again from
 *             it (same long-term key, new DHT key; c-toxcore gets its old port back when free);
 *             then both must be online again;
 *   freeze40  the c-toxcore peer (bob in a c-toxcore pair) is SIGSTOPped for 40 s, then SIGCONTed;
 *             then both must be online again (bounded).
 * Every wait is bounded and the whole scenario has a hard timeout; a pair that does not connect
 * is an outcome, not an exception. Files (in the scenario's directory): capture.pcap,
 * alice.tox, bob.tox, events.jsonl, scenario.json (see harness/campaign/README.md).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { interopAvailability, prefixAvailability, prefixVersion, type Availability } from '../interop/native-build.js';
import { realtimeClock, type RealtimeClock } from './clock.js';
import { mergeCapture, type ReceiveLog } from './capture.js';
import { isCToxcore, makePeer, type CampaignPeer, type Implementation } from './peers.js';
import { exchange, runConditionAndHold, type Condition, type Outcome, type ScenarioContext, type ScenarioSpec } from './conditions.js';

export type { Implementation } from './peers.js';
export type { Condition, ScenarioSpec } from './conditions.js';
export const CONDITIONS: readonly Condition[] = ['clean', 'loss10', 'restart', 'freeze40'];

export type ScenarioStatus = 'done' | 'skipped' | 'error';

export interface ScenarioResult {
  readonly name: string;
  readonly status: ScenarioStatus;
  /** Why it was skipped, or what went wrong. */
  readonly reason?: string;
  readonly durationMs: number;
  readonly outcome: Outcome;
  readonly captureSummary?: { readonly datagrams: number; readonly bytes: number; readonly bySender: Record<string, number> };
  readonly paths: {
    readonly dir: string;
    readonly capture: string;
    readonly events: string;
    readonly scenario: string;
    readonly profiles: Record<string, string>;
  };
}

export const PREFIX_0223_ENV = 'TOXSTATE_CTOXCORE_0223_PREFIX';
export const DEFAULT_PREFIX_0223 = '/opt/c-toxcore-0.2.23';

export function prefix0223(): string {
  const v = process.env[PREFIX_0223_ENV];
  return v !== undefined && v !== '' ? v : DEFAULT_PREFIX_0223;
}

const PAIRS: readonly { readonly id: string; readonly peers: readonly [Implementation, Implementation] }[] = [
  { id: 'ctoxcore-0.2.18-pair', peers: ['ctoxcore-0.2.18', 'ctoxcore-0.2.18'] },
  { id: 'ctoxcore-0.2.23-pair', peers: ['ctoxcore-0.2.23', 'ctoxcore-0.2.23'] },
  { id: 'toxstate-ctoxcore-0.2.18', peers: ['ctoxcore-0.2.18', 'toxstate'] },
  { id: 'toxstate-ctoxcore-0.2.23', peers: ['ctoxcore-0.2.23', 'toxstate'] },
];

/** The campaign: every pair × every condition, in that order. */
export const CAMPAIGN_SCENARIOS: readonly ScenarioSpec[] = PAIRS.flatMap((p) => CONDITIONS.map((condition) => ({ name: `${p.id}-${condition}`, peers: p.peers, condition })));

const HARD_TIMEOUT_MS: Record<Condition, number> = { clean: 60_000, loss10: 100_000, restart: 100_000, freeze40: 130_000 };
/** Bound on the first friend-online: a c-toxcore pair under loss may wait for its 30 s DHT-PK resend. */
const CONNECT_TIMEOUT_MS: Record<Condition, number> = { clean: 40_000, loss10: 75_000, restart: 40_000, freeze40: 40_000 };

function seedOf(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** Whether the implementations of a spec can run here; the SKIPPED reason when not. */
export async function specAvailability(spec: ScenarioSpec): Promise<Availability> {
  if (spec.peers.includes('ctoxcore-0.2.18')) {
    const a = await interopAvailability();
    if (!a.ok) return a;
  }
  if (spec.peers.includes('ctoxcore-0.2.23')) {
    const prefix = prefix0223();
    const a = await prefixAvailability(prefix);
    if (!a.ok) return { ok: false, reason: `c-toxcore 0.2.23 not found at ${prefix} (build it from the v0.2.23 tag with cmake; see harness/campaign/README.md)` };
  }
  return { ok: true };
}

const LABELS = ['alice', 'bob'] as const;

/** Runs one scenario into `outDir` (created). Never throws for what happens on the network. */
export async function runScenario(spec: ScenarioSpec, outDir: string): Promise<ScenarioResult> {
  const startedPerf = performance.now();
  await mkdir(outDir, { recursive: true });
  const paths = {
    dir: outDir,
    capture: path.join(outDir, 'capture.pcap'),
    events: path.join(outDir, 'events.jsonl'),
    scenario: path.join(outDir, 'scenario.json'),
    profiles: { alice: path.join(outDir, 'alice.tox'), bob: path.join(outDir, 'bob.tox') } as Record<string, string>,
  };
  for (const f of [paths.capture, paths.events, paths.scenario, ...Object.values(paths.profiles)]) await rm(f, { force: true });
  const outcome: Outcome = { connected: false, notes: [] };

  const available = await specAvailability(spec);
  if (!available.ok) {
    const reason = `SKIPPED: ${available.reason}`;
    await writeFile(paths.scenario, `${JSON.stringify({ name: spec.name, spec, status: 'skipped', reason }, null, 2)}\n`);
    return { name: spec.name, status: 'skipped', reason, durationMs: performance.now() - startedPerf, outcome, paths };
  }

  const clock = realtimeClock();
  const work = await mkdtemp(path.join(tmpdir(), 'toxstate-campaign-'));
  const seed = spec.seed ?? seedOf(spec.name);
  const loss = spec.condition === 'loss10' ? 100 : 0;
  const peers = LABELS.map((label, i) =>
    makePeer({
      label,
      impl: spec.peers[i]!,
      profilePath: paths.profiles[label]!,
      shimLogPath: path.join(work, `${label}.shim.log`),
      clock,
      acceptAll: label === 'alice',
      dropRecvPermille: loss,
      seed: seed + i * 1000,
      ...(spec.peers[i] === 'ctoxcore-0.2.23' ? { toxcorePrefix: prefix0223() } : {}),
    }),
  ) as [CampaignPeer, CampaignPeer];
  const ctx = newContext(spec, clock, peers, outcome);

  let status: ScenarioStatus = 'done';
  let reason: string | undefined;
  let hardTimer: NodeJS.Timeout | undefined;
  const hard = new Promise<'timeout'>((resolve) => {
    hardTimer = setTimeout(() => resolve('timeout'), ctx.hardTimeoutMs);
  });
  try {
    const body = runBody(ctx).then(() => 'done' as const);
    const first = await Promise.race([body, hard]);
    if (first === 'timeout') {
      ctx.aborted = true;
      status = 'error';
      reason = `hard timeout after ${ctx.hardTimeoutMs / 1000} s`;
      ctx.step(reason);
      await body.catch(() => undefined);
    }
  } catch (e) {
    status = 'error';
    reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    ctx.step(`error: ${reason}`);
  } finally {
    clearTimeout(hardTimer);
    // bob first, as a user quits; each peer saves its profile on the way out.
    for (const p of [peers[1], peers[0]]) {
      try {
        p.thaw();
        if (p.running) {
          await p.stop();
          ctx.step(`${p.setup.label} quits (profile saved)`);
        }
      } catch (e) {
        outcome.notes.push(`${p.setup.label} did not quit cleanly: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
  }

  // ---- the capture, events and summary ----
  const sent = await Promise.all(peers.map((p) => p.sent()));
  const received: ReceiveLog = new Map();
  for (const s of sent) for (const [k, v] of s.received) received.set(k, [...(received.get(k) ?? []), ...v]);
  for (const v of received.values()) v.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const merged = mergeCapture(
    peers.map((p, i) => ({ label: p.setup.label, datagrams: sent[i]!.datagrams })),
    received,
  );
  await writeFile(paths.capture, merged.pcap);
  const originUs = merged.datagrams[0]?.timeUs ?? ctx.startedUs;
  const rel = (us: bigint): number => Math.round(Number(us - originUs) / 1000) / 1000;

  const events = peers
    .flatMap((p) => p.events.map((e) => ({ at: rel(e.atUs), atUs: e.atUs, peer: p.setup.label, incarnation: e.incarnation, ...e.event })))
    .sort((a, b) => (a.atUs < b.atUs ? -1 : a.atUs > b.atUs ? 1 : 0))
    .map(({ atUs: _atUs, ...rest }) => rest);
  await writeFile(paths.events, events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : ''));

  const problems = sent.flatMap((s, i) => s.problems.map((p) => `${LABELS[i]}: ${p}`));
  const swallowed = sent.reduce((n, s) => n + s.shimSwallowed, 0);
  if (swallowed > 0) problems.push(`the shim swallowed ${swallowed} non-loopback sends (not in the capture)`);
  if (merged.clockCheck.negative > 0) problems.push(`${merged.clockCheck.negative} datagrams were logged as received before they were sent: clocks disagree`);
  const versions = await Promise.all(peers.map(async (p) => (p.setup.toxcorePrefix !== undefined ? await prefixVersion(p.setup.toxcorePrefix) : undefined)));
  const summary = {
    name: spec.name,
    spec,
    status,
    ...(reason !== undefined ? { reason } : {}),
    madeBy: 'harness/campaign/scenarios.ts runScenario',
    date: new Date(Number(ctx.startedUs / 1000n)).toISOString(),
    durationS: Math.round(performance.now() - startedPerf) / 1000,
    timeOrigin: { unixUs: originUs.toString(), what: 'the first captured datagram: every "at" (s) counts from here; steps before it are negative' },
    peers: Object.fromEntries(
      peers.map((p, i) => [
        p.setup.label,
        {
          impl: p.setup.impl,
          role: p.setup.acceptAll ? 'accepts the friend request (started first)' : 'sends the friend request',
          ...(p.setup.toxcorePrefix !== undefined ? { toxcorePrefix: p.setup.toxcorePrefix, prefixVersion: versions[i] } : {}),
          pk: p.incarnations[0]?.pk,
          toxid: p.incarnations[0]?.toxid,
          profile: path.basename(paths.profiles[p.setup.label]!),
          lossPermille: p.setup.dropRecvPermille,
          ...(p.setup.dropRecvPermille > 0 ? { lossSeed: p.setup.seed } : {}),
          incarnations: p.incarnations.map((inc) => ({
            n: inc.n,
            version: inc.version,
            pk: inc.pk,
            dhtpk: inc.dhtpk,
            address: `127.0.0.1:${inc.port}`,
            ...(inc.pid !== undefined ? { pid: inc.pid } : {}),
            startedAt: rel(inc.startedUs),
            ...(inc.stoppedUs !== undefined ? { stoppedAt: rel(inc.stoppedUs) } : {}),
          })),
          rx: { delivered: sent[i]!.rxDelivered, dropped: sent[i]!.rxDropped },
        },
      ]),
    ),
    steps: ctx.steps.map((s) => ({ at: rel(s.atUs), what: s.what })),
    outcome: { ...outcome, onlineAt: mapTimes(outcome.onlineAtUs, rel), reonlineAt: mapTimes(outcome.reonlineAtUs, rel), onlineAtUs: undefined, reonlineAtUs: undefined },
    capture: {
      file: path.basename(paths.capture),
      format: 'classic pcap, LINKTYPE_IPV4 (228), µs stamps (sender side: shim log for c-toxcore, TPeer tap for toxstate)',
      datagrams: merged.datagrams.length,
      bytes: merged.pcap.length,
      bySender: merged.bySender,
      byKind: merged.byKind,
      clockCheck: merged.clockCheck,
    },
    problems,
  };
  await writeFile(paths.scenario, `${JSON.stringify(summary, null, 2)}\n`);
  await rm(work, { recursive: true, force: true });
  return {
    name: spec.name,
    status,
    ...(reason !== undefined ? { reason } : {}),
    durationMs: performance.now() - startedPerf,
    outcome,
    captureSummary: { datagrams: merged.datagrams.length, bytes: merged.pcap.length, bySender: merged.bySender },
    paths,
  };
}

function mapTimes(m: Record<string, bigint> | undefined, rel: (us: bigint) => number): Record<string, number> | undefined {
  return m === undefined ? undefined : Object.fromEntries(Object.entries(m).map(([k, v]) => [k, rel(v)]));
}

function newContext(spec: ScenarioSpec, clock: RealtimeClock, peers: [CampaignPeer, CampaignPeer], outcome: Outcome): ScenarioContext {
  const hardTimeoutMs = spec.hardTimeoutMs ?? HARD_TIMEOUT_MS[spec.condition];
  const deadline = performance.now() + hardTimeoutMs - 8_000; // room to quit and write files
  const ctx: ScenarioContext = {
    spec,
    clock,
    peers,
    outcome,
    hardTimeoutMs,
    aborted: false,
    startedUs: clock.nowUs(),
    steps: [],
    step(what) {
      ctx.steps.push({ atUs: clock.nowUs(), what });
    },
    remaining: () => Math.max(0, deadline - performance.now()),
    async until(pred, timeoutMs) {
      const end = performance.now() + Math.min(timeoutMs, ctx.remaining());
      for (;;) {
        if (ctx.aborted) return false;
        if (pred()) return true;
        if (performance.now() >= end) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return ctx;
}

/** Start, befriend, first messages; then the condition and the hold (conditions.ts). */
async function runBody(ctx: ScenarioContext): Promise<void> {
  const [alice, bob] = ctx.peers;
  const { outcome } = ctx;
  const node = (p: CampaignPeer) => ({ port: p.current.port, dhtpk: p.current.dhtpk });
  await alice.start([], ctx.remaining());
  ctx.step(`alice (${alice.setup.impl} ${alice.current.version}) started on 127.0.0.1:${alice.current.port}`);
  await bob.start([node(alice)], ctx.remaining());
  ctx.step(`bob (${bob.setup.impl} ${bob.current.version}) started on 127.0.0.1:${bob.current.port}, bootstrapping to alice`);
  await alice.bootstrapTo(node(bob));
  ctx.step('alice bootstraps to bob');
  const requestUs = ctx.clock.nowUs();
  await bob.sendFriendRequest(alice.current.toxid, `conformance campaign: ${ctx.spec.name}`);
  ctx.step('bob sends alice a friend request');

  const connectMs = ctx.spec.connectTimeoutMs ?? CONNECT_TIMEOUT_MS[ctx.spec.condition];
  outcome.connected = await ctx.until(() => alice.isOnline(bob.current.pk) && bob.isOnline(alice.current.pk), connectMs);
  if (!outcome.connected) {
    ctx.step(`not both online within ${connectMs / 1000} s of the request`);
    outcome.notes.push(`alice sees bob ${alice.isOnline(bob.current.pk) ? 'online' : 'offline'}, bob sees alice ${bob.isOnline(alice.current.pk) ? 'online' : 'offline'}`);
    return;
  }
  const aliceAt = alice.onlineAt(bob.current.pk, requestUs);
  const bobAt = bob.onlineAt(alice.current.pk, requestUs);
  outcome.onlineAtUs = { ...(aliceAt !== undefined ? { alice: aliceAt } : {}), ...(bobAt !== undefined ? { bob: bobAt } : {}) };
  const last = [aliceAt, bobAt].reduce<bigint>((m, t) => (t !== undefined && t > m ? t : m), requestUs);
  outcome.connectS = Number(last - requestUs) / 1e6;
  ctx.step(`both online (${outcome.connectS.toFixed(2)} s after the request)`);
  if (ctx.spec.messages !== false) outcome.messagesBefore = await exchange(ctx, 'before');
  await runConditionAndHold(ctx);
}

export { isCToxcore };
