/**
 * Self-announce (docs/protocol.md §3.4, §3.8; c-toxcore 0.2.18 `toxcore/onion_client.c`
 * do_announce): keeping ourselves stored at the ≤ 12 announce nodes closest to our real key.
 *
 * One list per address family (the seed's `tox4id:` and `tox6id:` tasks): a list holds only
 * announce nodes of its family, is populated from the DHT's good nodes of that family and asks
 * only the nodes of that family an answer names. The paths to them may use relays of either
 * family (c-toxcore draws path nodes without regard to family). c-toxcore keeps one list for both
 * families; two keep an IPv6 announcement alive beside an IPv4 one, each with its own task. A list
 * is active between `start()` and `stop()` (its task's lifetime): a stopped list is emptied and
 * sends nothing, not even to the nodes a late answer names.
 *
 * The toxidAnnounce machine decides when rounds happen (`round(mode)`) and re-announces at once
 * to a node that returned a fresh ping_id (`announceTo(node)`). A round asks every node whose
 * interval has passed (3 s not stored, 15 s stored, 120 s stored and stable), at least one, and
 * populates the list from the DHT when it is at most half full (or not full and last populated
 * 600 s ago). A new announce node is announced to at once (c-toxcore skips a round).
 *
 * Reported: every answer (`onion.announceAnswered`: which node, a fresh ping_id, stored), and
 * after it or after list nodes timed out how many live nodes store us (`onion.selfStored`). The
 * engine turns them into the toxid task's `announce.*` events.
 */
import { equalBytes, toHex } from '../../protocol/bytes.js';
import type { IpFamily, IpPort } from '../../protocol/ip-port.js';
import type { AnnounceResponse } from '../../protocol/onion/index.js';
import type { KeyPair } from '../keys.js';
import {
  ONION_ANNOUNCE_INTERVAL_NOT_STORED_MS,
  ONION_ANNOUNCE_INTERVAL_STABLE_MS,
  ONION_ANNOUNCE_INTERVAL_STORED_MS,
  ONION_NODE_MAX_PINGS,
  ONION_POPULATE_TIMEOUT_MS,
  ONION_SELF_NODES_MAX,
  ONION_SELF_POPULATE_REQUESTS,
  ONION_TIME_TO_STABLE_MS,
} from './constants.js';
import type { OnionClientContext } from './context.js';
import { addToList, liveNodes, newNodeList, nodeExpiry, pruneList, type NodeList, type OnionNode } from './node-list.js';
import type { AnnounceRequests, Sendback } from './requests.js';

export class SelfAnnounce {
  list: NodeList;
  /** Between start() and stop(): the family's announce task runs. */
  private active = false;

  constructor(
    private readonly ctx: OnionClientContext,
    private readonly requests: AnnounceRequests,
    /** Our temporary data key: a "found" answer counts only if it names it. */
    private readonly dataKey: KeyPair,
    /** The address family of the announce nodes in this list. */
    readonly family: IpFamily,
  ) {
    this.list = newNodeList(ctx.keys.real.publicKey, ONION_SELF_NODES_MAX);
  }

  get isActive(): boolean {
    return this.active;
  }

  /** The family's announce task started: rounds may go out. */
  start(): void {
    this.active = true;
  }

  /** The family's announce task stopped: the list is emptied and nothing more is sent for it. */
  stop(): void {
    this.active = false;
    this.list = newNodeList(this.ctx.keys.real.publicKey, ONION_SELF_NODES_MAX);
  }

  /** Live nodes of the self-announce list. */
  nodes(): OnionNode[] {
    return liveNodes(this.list, this.ctx.now);
  }

  /**
   * One self-announce round (toxidAnnounce `onion.announceRound`): every node whose interval
   * has passed (3 s not stored, 15 s stored, 120 s stored and stable in `stable` mode), and at
   * least one node; when the list is at most half full (or not full and last populated 600 s
   * ago), also up to 6 random DHT nodes not in the list, as c-toxcore's do_announce does in
   * every round whatever the announce state.
   */
  round(mode: 'searching' | 'announced' | 'stable'): void {
    if (!this.active) return void this.ctx.count('onion.announce_round_stopped');
    const now = this.ctx.now;
    const live = this.nodes();
    const eligible = live.filter((n) => n.pingsSinceResponse < ONION_NODE_MAX_PINGS);
    let sent = 0;
    for (const n of eligible) {
      let interval = ONION_ANNOUNCE_INTERVAL_NOT_STORED_MS;
      if (n.isStored !== 0) {
        interval = mode === 'stable' && now - n.addedAt >= ONION_TIME_TO_STABLE_MS ? ONION_ANNOUNCE_INTERVAL_STABLE_MS : ONION_ANNOUNCE_INTERVAL_STORED_MS;
      }
      if ((n.lastPinged === null || now - n.lastPinged >= interval) && this.announceNode(n)) sent++;
    }
    if (sent === 0 && eligible.length > 0) {
      const oldest = eligible.reduce((a, b) => ((a.lastPinged ?? -Infinity) <= (b.lastPinged ?? -Infinity) ? a : b));
      this.announceNode(oldest);
    }
    const list = this.list;
    const halfEmpty = live.length <= list.max / 2;
    const stale = live.length < list.max && (list.lastPopulated === null || now - list.lastPopulated >= ONION_POPULATE_TIMEOUT_MS);
    if (halfEmpty || stale) this.requests.populate({ kind: 'self', family: this.family }, list, ONION_SELF_POPULATE_REQUESTS);
  }

  /** Re-announce to one node at once (toxidAnnounce `onion.announceTo`, after a fresh ping_id). */
  announceTo(nodeHex: string): void {
    if (!this.active) return void this.ctx.count('onion.announce_round_stopped');
    const n = this.list.nodes.find((x) => x.pkHex === nodeHex);
    if (!n) return void this.ctx.count('onion.announce_to_unknown');
    this.announceNode(n);
  }

  /** Self-announces to one list node along its path (a random one as a last chance for an old node). */
  private announceNode(n: OnionNode): boolean {
    const now = this.ctx.now;
    const lastChance = n.pingsSinceResponse === ONION_NODE_MAX_PINGS - 1 && now - n.addedAt >= ONION_TIME_TO_STABLE_MS;
    const used = this.requests.send({ kind: 'self', family: this.family }, n.pk, n.ipPort, n.pingId, lastChance ? null : n.pathId);
    if (used === null) return false;
    n.lastPinged = now;
    n.pingsSinceResponse++;
    return true;
  }

  /** An announce node answered our self-announce (an opened 0x84, its sendback used up). */
  answered(from: IpPort, sb: Sendback, res: AnnounceResponse): void {
    let isStored = res.isStored;
    // A self-announce "found" answer counts only if it names our own data key (client_add_to_list).
    if (isStored === 1 && !equalBytes(res.pingIdOrDataPk, this.dataKey.publicKey)) isStored = 0;
    if (isStored > 2) return this.ctx.drop('onion.announce_response_bad_is_stored');
    const pathUsed = this.requests.answered(sb);
    if (!this.active) return void this.ctx.count('onion.announce_response_after_stop');
    const list = this.list;
    const before = list.nodes.find((n) => n.pkHex === toHex(sb.nodePk));
    const hadPingId = before ? before.pingId : null;
    const node = addToList(this.ctx, list, sb.nodePk, sb.nodeIpPort, isStored, res.pingIdOrDataPk, pathUsed);
    this.requests.askNamedNodes({ kind: 'self', family: this.family }, list, res.nodes, from);
    this.ctx.count(`onion.announce_response_${isStored}`);
    this.ctx.report({
      type: 'onion.announceAnswered',
      family: this.family,
      node: node ? node.pkHex : null,
      freshPingId: isStored === 0 && (hadPingId === null || !equalBytes(hadPingId, res.pingIdOrDataPk)),
      stored: isStored !== 0,
    });
    this.reportStored();
  }

  /** When a list node times out next. */
  nextExpiry(): number | null {
    return nodeExpiry(this.list);
  }

  /** Drops timed-out list nodes; if there were any, reports how many nodes still store us. */
  onTimer(now: number): void {
    if (pruneList(this.ctx, this.list, now)) this.reportStored();
  }

  private reportStored(): void {
    this.ctx.report({ type: 'onion.selfStored', family: this.family, nodes: this.nodes().filter((n) => n.isStored !== 0).length });
  }
}
