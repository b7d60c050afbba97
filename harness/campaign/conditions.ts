/**
 * What a conformance-campaign scenario (scenarios.ts) does once the two peers are friends and
 * online: the condition — nothing (clean, loss10: the loss runs from the start), a restart of one
 * peer from its saved profile, or a 40 s SIGSTOP of a c-toxcore peer — then a quiet hold. Also
 * the types the scenario and its condition share, and the message exchange run after each
 * (re)connection. Every wait is bounded by the scenario's remaining time.
 */
import type { RealtimeClock } from './clock.js';
import type { CampaignPeer, Implementation } from './peers.js';

export type Condition = 'clean' | 'loss10' | 'restart' | 'freeze40';
export interface ScenarioSpec {
  readonly name: string;
  /** [alice, bob]: alice accepts the request and is started first; bob sends it. */
  readonly peers: readonly [Implementation, Implementation];
  readonly condition: Condition;
  /** Hard bound on the whole scenario (default by condition: clean 60, loss10 100, restart 100, freeze40 130 s). */
  readonly hardTimeoutMs?: number;
  /** Bound on the first friend-online (default 40 s; loss10 75 s). */
  readonly connectTimeoutMs?: number;
  /** Quiet time recorded after the condition, before both quit (default 5 s). */
  readonly holdMs?: number;
  /** Exchange a message each way after each (re)connection (default true). */
  readonly messages?: boolean;
  readonly restartPeer?: 'alice' | 'bob';
  /** A restarted c-toxcore peer first tries its old port ('same', the default) or the next one ('new'). */
  readonly restartPort?: 'same' | 'new';
  /** Default: the c-toxcore peer (bob when both are). */
  readonly freezePeer?: 'alice' | 'bob';
  readonly freezeMs?: number;
  /** Seed of the loss PRNGs (default: from the name). */
  readonly seed?: number;
}


export interface Outcome {
  connected: boolean;
  /** Seconds from the friend request until both reported the friend online. */
  connectS?: number;
  onlineAtUs?: Record<string, bigint>;
  messagesBefore?: { bobToAlice: boolean; aliceToBob: boolean };
  /** restart / freeze40: the peer disturbed, and how the other saw it. */
  disturbed?: string;
  /** Seconds from the quit / SIGSTOP until the other peer reported it offline. */
  otherSawOfflineS?: number;
  /** freeze40: whether the frozen peer itself reported the friend offline after SIGCONT. */
  frozenPeerSawOffline?: boolean;
  reconnected?: boolean;
  /** Seconds from the restart (its new start) / the SIGCONT until both reported the friend online again. */
  reconnectS?: number;
  reonlineAtUs?: Record<string, bigint>;
  messagesAfter?: { bobToAlice: boolean; aliceToBob: boolean };
  notes: string[];
}

export interface ScenarioContext {
  readonly spec: ScenarioSpec;
  readonly clock: RealtimeClock;
  /** [alice, bob] */
  readonly peers: readonly [CampaignPeer, CampaignPeer];
  readonly outcome: Outcome;
  readonly hardTimeoutMs: number;
  aborted: boolean;
  readonly startedUs: bigint;
  readonly steps: { atUs: bigint; what: string }[];
  step(what: string): void;
  /** ms left before the scenario must wrap up. */
  remaining(): number;
  /** Polls `pred` every 50 ms; false after min(timeoutMs, remaining()) or when aborted. */
  until(pred: () => boolean, timeoutMs: number): Promise<boolean>;
}

const node = (p: CampaignPeer) => ({ port: p.current.port, dhtpk: p.current.dhtpk });
const seconds = (from: bigint, to: bigint): number => Math.round(Number(to - from) / 1000) / 1000;

/** One message each way; whether each arrived (bounded 15 s). */
export async function exchange(ctx: ScenarioContext, tag: string): Promise<{ bobToAlice: boolean; aliceToBob: boolean }> {
  const [alice, bob] = ctx.peers;
  const toAlice = `bob to alice ${tag}`;
  const toBob = `alice to bob ${tag}`;
  const sentB = await bob.sendMessage(alice.current.pk, toAlice);
  const sentA = await alice.sendMessage(bob.current.pk, toBob);
  await ctx.until(() => (!sentB || alice.hasMessage(bob.current.pk, toAlice)) && (!sentA || bob.hasMessage(alice.current.pk, toBob)), 15_000);
  const r = { bobToAlice: sentB && alice.hasMessage(bob.current.pk, toAlice), aliceToBob: sentA && bob.hasMessage(alice.current.pk, toBob) };
  ctx.step(`messages ${tag}: bob→alice ${r.bobToAlice ? 'delivered' : sentB ? 'not delivered' : 'refused'}, alice→bob ${r.aliceToBob ? 'delivered' : sentA ? 'not delivered' : 'refused'}`);
  return r;
}

/** Both report the other online again after `sinceUs` (a fresh online event from `other` when it had seen the friend go). */
async function waitReconnected(ctx: ScenarioContext, target: CampaignPeer, other: CampaignPeer, sinceUs: bigint, otherSawOffline: boolean): Promise<void> {
  const { outcome } = ctx;
  const pk = target.current.pk;
  const otherPk = other.current.pk;
  const ok = await ctx.until(
    () => target.isOnline(otherPk) && other.isOnline(pk) && (!otherSawOffline || other.onlineAt(pk, sinceUs) !== undefined),
    60_000,
  );
  outcome.reconnected = ok;
  if (!ok) {
    ctx.step(`not both online again within the bound (${target.setup.label} sees ${other.setup.label} ${target.isOnline(otherPk) ? 'online' : 'offline'}, ${other.setup.label} sees ${target.setup.label} ${other.isOnline(pk) ? 'online' : 'offline'})`);
    return;
  }
  const t = target.onlineAt(otherPk, sinceUs);
  const o = other.onlineAt(pk, sinceUs);
  outcome.reonlineAtUs = { ...(t !== undefined ? { [target.setup.label]: t } : {}), ...(o !== undefined ? { [other.setup.label]: o } : {}) };
  const last = [t, o].reduce<bigint>((m, x) => (x !== undefined && x > m ? x : m), sinceUs);
  outcome.reconnectS = seconds(sinceUs, last);
  ctx.step(`both online again (${outcome.reconnectS.toFixed(2)} s)`);
  if (ctx.spec.messages !== false) outcome.messagesAfter = await exchange(ctx, 'after');
}

async function restart(ctx: ScenarioContext): Promise<void> {
  const [alice, bob] = ctx.peers;
  const target = ctx.spec.restartPeer === 'alice' ? alice : bob;
  const other = target === alice ? bob : alice;
  ctx.outcome.disturbed = target.setup.label;
  const pk = target.current.pk;
  const stopUs = ctx.clock.nowUs();
  ctx.step(`${target.setup.label} quits (profile saved)`);
  await target.stop();
  const noticed = await ctx.until(() => !other.isOnline(pk), 15_000);
  if (noticed) {
    ctx.outcome.otherSawOfflineS = seconds(stopUs, ctx.clock.nowUs());
    ctx.step(`${other.setup.label} sees ${target.setup.label} offline`);
  }
  const restartUs = ctx.clock.nowUs();
  await target.start([node(other)], ctx.remaining(), ctx.spec.restartPort === 'new' ? target.current.port + 1 : target.current.port);
  ctx.step(`${target.setup.label} starts again from its profile on 127.0.0.1:${target.current.port} (new DHT key ${target.current.dhtpk.slice(0, 16)}…), bootstrapping to ${other.setup.label}`);
  if (target.current.pk !== pk) ctx.outcome.notes.push(`the restarted ${target.setup.label} has another long-term key!`);
  await waitReconnected(ctx, target, other, restartUs, noticed);
}

async function freeze(ctx: ScenarioContext): Promise<void> {
  const [alice, bob] = ctx.peers;
  const which = ctx.spec.freezePeer ?? (bob.setup.impl !== 'toxstate' ? 'bob' : 'alice');
  const target = which === 'alice' ? alice : bob;
  const other = target === alice ? bob : alice;
  const freezeMs = ctx.spec.freezeMs ?? 40_000;
  ctx.outcome.disturbed = target.setup.label;
  const pk = target.current.pk;
  const otherPk = other.current.pk;
  const stopPerf = performance.now();
  const stopUs = ctx.clock.nowUs();
  target.freeze();
  ctx.step(`${target.setup.label} SIGSTOPped for ${freezeMs / 1000} s`);
  const noticed = await ctx.until(() => !other.isOnline(pk), freezeMs);
  if (noticed) {
    ctx.outcome.otherSawOfflineS = seconds(stopUs, ctx.clock.nowUs());
    ctx.step(`${other.setup.label} sees ${target.setup.label} offline`);
  }
  await ctx.until(() => performance.now() - stopPerf >= freezeMs, freezeMs);
  target.thaw();
  const thawUs = ctx.clock.nowUs();
  ctx.step(`${target.setup.label} SIGCONTed`);
  // Let the thawed peer work through its backlog and its timers before judging its state.
  await ctx.until(() => false, 2_000);
  await waitReconnected(ctx, target, other, thawUs, noticed);
  ctx.outcome.frozenPeerSawOffline = target.offlineAt(otherPk, thawUs) !== undefined;
}

/** The condition, then the quiet hold. */
export async function runConditionAndHold(ctx: ScenarioContext): Promise<void> {
  if (ctx.spec.condition === 'restart') await restart(ctx);
  else if (ctx.spec.condition === 'freeze40') await freeze(ctx);
  const holdMs = ctx.spec.holdMs ?? 5_000;
  await ctx.until(() => false, holdMs);
  ctx.step(`held ${holdMs / 1000} s`);
}
