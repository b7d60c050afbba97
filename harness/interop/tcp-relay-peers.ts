/**
 * Shared pieces of the toxstate ↔ c-toxcore TCP relay interop tests (test/interop/tcp-relays*.test.ts):
 * for each c-toxcore version (c-versions.ts cVersions: Debian's 0.2.18, and 0.2.23), a toxstate peer and a
 * TCP-only c-toxcore peer that meet through a c-toxcore relay, messages both ways with receipts, and
 * the checks of the network rule.
 *
 * The facts relied on: c-toxcore's TCP-only peer (tox_options udp_enabled false) reaches the onion
 * through its relay (onion_client.c random_nodes_path_onion) and announces its relays in its DHT-PK
 * (onion_client.c send_dhtpk_announce, copy_connected_tcp_relays); the receiver connects to them
 * (friend_connection.c tcp_relay_node_callback), so the toxstate peer needs no relay of its own.
 */
import type { CVersion } from './c-versions.js';
import { CPeer, type CPeerOptions, startTcpRelay, tcpRelayOf } from './cpeer.js';
import { TPeer, type AppEventOf, type TPeerOptions } from './tpeer.js';

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** A relay R (c-toxcore, UDP on), a c-toxcore peer C with UDP off that uses R, a toxstate peer T (UDP on) bootstrapped to R's UDP port. */
export interface RelayTrio {
  readonly r: CPeer;
  readonly c: CPeer;
  readonly t: TPeer;
  /** `performance.now()` when C and T had both been started. */
  readonly startedAt: number;
}

export async function startRelayTrio(
  v: CVersion,
  opts: { readonly cOptions?: CPeerOptions; readonly tOptions?: TPeerOptions } = {},
): Promise<RelayTrio> {
  const r = await startTcpRelay({ label: `R-${v.version}`, name: 'relay', ...v.extra });
  if (r.identity.toxcore !== v.version) throw new Error(`relay runs ${String(r.identity.toxcore)}, wanted ${v.version}`);
  const viaR = { port: r.identity.port, dhtpk: r.identity.dhtpk };
  const [c, t] = await Promise.all([
    CPeer.start({ label: `C-${v.version}`, name: 'c-toxcore', ...v.extra, udpOff: true, tcpRelays: [tcpRelayOf(r)], bootstrap: [viaR], ...opts.cOptions }),
    TPeer.start({ label: 'toxstate', name: 'toxstate', bootstrap: [viaR], ...opts.tOptions }),
  ]);
  return { r, c, t, startedAt: performance.now() };
}

/**
 * A friend request from `who` (toxstate T or c-toxcore C) to the other, which accepts (the other
 * must run with acceptAll); waits until T reports C online and C reports a connection. Returns C's
 * friend number of T and both reports. The request text must arrive intact (else it throws).
 */
export async function befriendEitherWay(
  t: TPeer,
  c: CPeer,
  who: 'toxstate' | 'c-toxcore',
  text: string,
  waitMs: number,
): Promise<{ cFriend: number; online: AppEventOf<'friend_online'>; cConn: { status: string; t: number } }> {
  const cPk = c.identity.pk.toLowerCase();
  let cFriend: number;
  if (who === 'toxstate') {
    t.sendFriendRequest(c.identity.toxid, text);
    const req = await c.waitForEvent('friend_request', (e) => e.pk.toLowerCase() === t.pkHex, waitMs);
    if (req.message !== text) throw new Error(`request text ${JSON.stringify(req.message)}, sent ${JSON.stringify(text)}`);
    cFriend = (await c.waitForEvent('friend_added', (e) => e.pk.toLowerCase() === t.pkHex && e.via === 'accept-all', waitMs)).friend;
  } else {
    cFriend = (await c.request(`add ${t.toxId} ${text}`, 'friend_added')).friend;
    const req = await t.waitForEvent('friend_request', (e) => e.pk === cPk, waitMs);
    if (req.message !== text) throw new Error(`request text ${JSON.stringify(req.message)}, sent ${JSON.stringify(text)}`);
  }
  const [online, cConn] = await Promise.all([
    t.waitForEvent('friend_online', (e) => e.friend === cPk, waitMs),
    c.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status !== 'none', waitMs),
  ]);
  return { cFriend, online, cConn };
}

/** T → C and C → T, each with its receipt; `tag` makes the texts unique. */
export async function exchange(t: TPeer, c: CPeer, cFriend: number, tag: string, waitMs: number): Promise<void> {
  const cPk = c.identity.pk.toLowerCase();
  const cSince = c.mark();
  const tSince = t.mark();
  const id = t.sendMessage(cPk, `toxstate ${tag}`);
  const got = await c.waitForEvent('message', (e) => e.text === `toxstate ${tag}`, waitMs, cSince);
  if (got.friend !== cFriend || got.pk.toLowerCase() !== t.pkHex) throw new Error(`message from the wrong friend: ${JSON.stringify(got)}`);
  await t.waitForEvent('receipt', (e) => e.friend === cPk && e.id === id, waitMs, tSince);
  const cid = await c.sendMessage(cFriend, `c-toxcore ${tag}`, 'action');
  const back = await t.waitForEvent('message', (e) => e.friend === cPk && e.text === `c-toxcore ${tag}`, waitMs, tSince);
  if (back.kind !== 'action') throw new Error(`kind ${back.kind}, sent an action`);
  await c.waitForEvent('receipt', (e) => e.id === cid && e.friend === cFriend, waitMs, cSince);
}

/** c-toxcore's friend connection reports for `friend` from index `since` on (none / tcp / udp, in order). */
export function cStatuses(c: CPeer, friend: number, since = 0): string[] {
  return c.events.slice(since).flatMap((e) => (e.event === 'friend_connection' && e.friend === friend ? [e.status] : []));
}

/** Counters of a toxstate engine whose names start with one of `prefixes`. */
export function countersWith(t: TPeer, ...prefixes: string[]): Record<string, number> {
  return Object.fromEntries(Object.entries(t.engine.counters.toJSON()).filter(([k]) => prefixes.some((p) => k.startsWith(p))));
}

/** The network rule, afterwards: no c-toxcore peer's shim swallowed a send, no toxstate peer refused a non-loopback one. */
export async function expectedLoopbackOnly(cs: readonly CPeer[], ts: readonly TPeer[]): Promise<string[]> {
  const bad: string[] = [];
  for (const c of cs) {
    const dropped = (await c.info()).shim_dropped;
    if (dropped !== 0) bad.push(`${c.label}: shim dropped ${String(dropped)} non-loopback sends`);
  }
  for (const t of ts) {
    const refused = t.engine.counters.get('tx.refused_non_loopback');
    if (refused !== 0) bad.push(`${t.label}: refused ${refused} non-loopback sends`);
  }
  return bad;
}
