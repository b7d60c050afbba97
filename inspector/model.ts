/**
 * What the inspector page asks for, computed from the target's engines, independent of HTTP
 * (server.ts only routes to these methods, and the unit tests call them directly):
 *
 *   info()      mode, nodes, clock, simulation controls
 *   charts()    every machine's states, transitions and ELK layout input
 *   actors()    a node's friends with their progress and task states, filtered, one page
 *   journal()   one page of a node's journal (optionally one friend's actors only)
 *   view()      the selected friend's actors (and the account task) at a point in time:
 *               state, context, last transition, next deadline, candidate transitions,
 *               and a friend session's facts (DHT key, address) with their provenance
 */
import { FRIEND_SESSION_STATES, machineSpecs, type MachineName } from '../machines/index.js';
import { actorKeys, ANNOUNCE_PREFIX, FAMILIES } from '../runtime/actor-keys.js';
import type { ToxEngine } from '../runtime/tox-engine.js';
import type { JournalEntry } from '../runtime/journal.js';
import { candidates, resolveSnapshot, type Candidate } from './candidates.js';
import { allCharts, type MachineChart } from './charts.js';
import { actorLabel, factRows, journalRow, nextText, shortHex, type FactRow, type JournalRow, type KeyNamer } from './format.js';
import { activeStateIds, NodeHistory, stateText } from './history.js';
import { SimController, type SimStatus } from './sim-control.js';
import { defaultNodeIndex, type InspectTarget } from './target.js';

export interface NodeInfo {
  readonly index: number;
  readonly name: string;
  readonly selfPk: string;
  readonly friends: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface Info {
  readonly title: string;
  readonly mode: 'live' | 'simulation';
  readonly now: number;
  readonly defaultNode: number;
  readonly nodes: readonly NodeInfo[];
  readonly sim: SimStatus | null;
  readonly progressStates: readonly string[];
}

export interface FriendRow {
  readonly friend: string;
  readonly label: string;
  readonly progress: string;
  readonly dhtkey: string;
  readonly connect: string;
  /** The friend request task's state while a request is pending ('' otherwise). */
  readonly request: string;
  /** The friend's connection policy (TryingToConnect, OpenToConnect, RefusingToConnect), as it is now. */
  readonly policy: string;
  /**
   * How the session reaches the friend: `udp` or `tcp` (through a relay) once established; while
   * connecting, `relay` when a relay of ours can reach the friend's DHT key; '' otherwise.
   */
  readonly path: string;
}

export interface ActorsPage {
  readonly node: number;
  readonly total: number;
  readonly offset: number;
  /**
   * The account's announce tasks (tox4id:, tox6id:; those the node runs or ran): `key` and
   * `state` are the first one's, `tasks` lists each.
   */
  readonly account: {
    readonly key: string;
    readonly state: string;
    readonly tasks: ReadonlyArray<{ readonly role: 'tox4id' | 'tox6id'; readonly key: string; readonly state: string }>;
  };
  readonly rows: readonly FriendRow[];
}

export interface JournalPage {
  readonly node: number;
  /** Entries matching the filter (all kept entries without one). */
  readonly total: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly offset: number;
  readonly rows: readonly JournalRow[];
}

export interface ActorView {
  readonly key: string;
  readonly label: string;
  readonly role: 'session' | 'dhtkey' | 'connect' | 'request' | 'tox4id' | 'tox6id';
  readonly machine: MachineName;
  readonly value: unknown;
  readonly state: string;
  readonly active: readonly string[];
  readonly context: unknown;
  readonly contextKnown: boolean;
  /** The actor's last step at or before the point shown. */
  readonly last: JournalRow | null;
  readonly next: { readonly at: number; readonly reason: string; readonly text: string } | null;
  readonly candidates: readonly Candidate[];
  /**
   * A friend session's facts (DHT key, address) as table rows, times relative to the point
   * shown (the view's `t`); null for other machines and where the context is not recorded.
   */
  readonly facts: readonly FactRow[] | null;
}

export interface View {
  readonly node: number;
  readonly live: boolean;
  /** The journal position shown (the last seq when live). */
  readonly seq: number;
  /** The time at that position (the clock now when live). */
  readonly t: number;
  readonly now: number;
  readonly friend: { readonly pk: string; readonly label: string } | null;
  /** The journal entry at `seq`. */
  readonly cursor: JournalRow | null;
  readonly actors: readonly ActorView[];
}

export interface ActorsQuery {
  readonly q?: string;
  readonly state?: string;
  readonly offset?: number;
  readonly limit?: number;
  /** A journal seq to show progress at (default: now). */
  readonly seq?: number | null;
}

export interface JournalQuery {
  readonly offset?: number;
  readonly limit?: number;
  /** Only this friend's actors (session, dhtkey, connect, request). */
  readonly friend?: string | null;
}

const MAX_PAGE = 1000;

export class InspectorModel {
  readonly histories: readonly NodeHistory[];
  readonly control: SimController | null;
  private readonly names = new Map<string, string>();

  constructor(readonly target: InspectTarget) {
    this.histories = target.nodes.map((n) => new NodeHistory(n.engine));
    for (const n of target.nodes) this.names.set(n.engine.selfHex, n.name);
    this.control = target.sim ? new SimController(target.sim, this) : null;
  }

  close(): void {
    this.control?.pause();
    for (const h of this.histories) h.close();
  }

  /** Names a key: a node's own key → its name; a friend's → its name when it has one; else shortened. */
  readonly name: KeyNamer = (hex) => {
    const known = this.names.get(hex);
    if (known) return known;
    for (const n of this.target.nodes) {
      const f = n.engine.friends.get(hex);
      if (f && f.name) return f.name;
    }
    return shortHex(hex);
  };

  nodeIndex(node: number | string | undefined | null): number {
    if (node === undefined || node === null || node === '') return defaultNodeIndex(this.target);
    if (typeof node === 'number' || /^\d+$/.test(node)) {
      const i = Number(node);
      if (i >= 0 && i < this.target.nodes.length) return i;
    } else {
      const i = this.target.nodes.findIndex((n) => n.name === node);
      if (i >= 0) return i;
    }
    throw new RangeError(`no node ${String(node)}`);
  }

  history(node: number): NodeHistory {
    return this.histories[node]!;
  }

  engine(node: number): ToxEngine {
    return this.target.nodes[node]!.engine;
  }

  info(): Info {
    return {
      title: this.target.title ?? 'toxstate inspector',
      mode: this.target.mode,
      now: this.target.now(),
      defaultNode: defaultNodeIndex(this.target),
      nodes: this.target.nodes.map((n, index) => ({
        index,
        name: n.name,
        selfPk: n.engine.selfHex,
        friends: n.engine.friends.size,
        firstSeq: this.histories[index]!.firstSeq,
        lastSeq: this.histories[index]!.lastSeq,
      })),
      sim: this.control?.status() ?? null,
      progressStates: FRIEND_SESSION_STATES,
    };
  }

  charts(): Record<MachineName, MachineChart> {
    return allCharts();
  }

  /** The state of an actor now (seq null) or after entry `seq`. */
  private stateOf(h: NodeHistory, key: string, seq: number | null): string {
    if (seq === null) {
      const a = h.engine.actors.get(key);
      return a ? stateText(a.snapshot.value) : '';
    }
    const s = h.stateAt(key, seq);
    return s ? stateText(s.value) : '';
  }

  /** A friend session's path (FriendRow.path) now (seq null) or after entry `seq`. */
  private pathOf(h: NodeHistory, key: string, seq: number | null): string {
    const context = seq === null ? h.engine.actors.get(key)?.snapshot.context : h.stateAt(key, seq)?.context;
    const c = (context ?? {}) as { path?: unknown; relayed?: unknown };
    if (c.path === 'udp' || c.path === 'tcp') return c.path;
    return c.relayed === true ? 'relay' : '';
  }

  actors(nodeArg: number | string | undefined, query: ActorsQuery = {}): ActorsPage {
    const node = this.nodeIndex(nodeArg);
    const h = this.history(node);
    const engine = this.engine(node);
    const self = engine.selfHex;
    const seq = query.seq ?? null;
    const q = (query.q ?? '').trim().toLowerCase();
    const wanted = query.state ?? '';
    const matches: FriendRow[] = [];
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.min(MAX_PAGE, Math.max(0, query.limit ?? 100));
    let total = 0;
    for (const f of engine.friends.all()) {
      const label = this.name(f.pkHex);
      if (q && !f.pkHex.includes(q) && !label.toLowerCase().includes(q)) continue;
      const progress = this.stateOf(h, actorKeys.session(f.pkHex), seq);
      if (wanted && progress !== wanted) continue;
      if (total >= offset && matches.length < limit)
        matches.push({
          friend: f.pkHex,
          label,
          progress,
          dhtkey: this.stateOf(h, actorKeys.dhtkey(self, f.pkHex), seq),
          connect: this.stateOf(h, actorKeys.connect(self, f.pkHex), seq),
          request: this.stateOf(h, actorKeys.request(self, f.pkHex), seq),
          policy: f.policy,
          path: this.pathOf(h, actorKeys.session(f.pkHex), seq),
        });
      total++;
    }
    const tasks = FAMILIES.map((family) => ({ role: ANNOUNCE_PREFIX[family], key: actorKeys.announce(family, self) }))
      .filter((x) => engine.actors.get(x.key) !== undefined || h.seqsOf(x.key).length > 0)
      .map((x) => ({ ...x, state: this.stateOf(h, x.key, seq) }));
    const first = tasks[0] ?? { key: actorKeys.announce('ipv4', self), state: this.stateOf(h, actorKeys.announce('ipv4', self), seq) };
    return { node, total, offset, account: { key: first.key, state: first.state, tasks }, rows: matches };
  }

  journal(nodeArg: number | string | undefined, query: JournalQuery = {}): JournalPage {
    const node = this.nodeIndex(nodeArg);
    const h = this.history(node);
    const offset = Math.max(0, query.offset ?? 0);
    const limit = Math.min(MAX_PAGE, Math.max(0, query.limit ?? 100));
    const rows: JournalRow[] = [];
    let total: number;
    if (query.friend) {
      const seqs = h.seqsOfAll(this.friendActorKeys(node, query.friend));
      total = seqs.length;
      for (let i = offset; i < Math.min(total, offset + limit); i++) {
        const e = h.entry(seqs[i]!);
        if (e) rows.push(journalRow(e, this.name));
      }
    } else {
      total = h.size;
      const first = h.firstSeq;
      for (let i = offset; i < Math.min(total, offset + limit); i++) {
        const e = h.entry(first + i);
        if (e) rows.push(journalRow(e, this.name));
      }
    }
    return { node, total, firstSeq: h.firstSeq, lastSeq: h.lastSeq, offset, rows };
  }

  /** Position of `seq` in the (optionally friend-filtered) journal: the index of the last entry ≤ seq. */
  journalIndexOf(nodeArg: number | string | undefined, seq: number, friend?: string | null): number {
    const node = this.nodeIndex(nodeArg);
    const h = this.history(node);
    if (!friend) return Math.min(h.size - 1, Math.max(-1, seq - h.firstSeq));
    const seqs = h.seqsOfAll(this.friendActorKeys(node, friend));
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Keys of a friend's actors on a node: session, dhtkey, connect, request. */
  friendActorKeys(node: number, friend: string): string[] {
    const self = this.engine(node).selfHex;
    return [actorKeys.session(friend), actorKeys.dhtkey(self, friend), actorKeys.connect(self, friend), actorKeys.request(self, friend)];
  }

  view(nodeArg: number | string | undefined, opts: { friend?: string | null; seq?: number | null } = {}): View {
    const node = this.nodeIndex(nodeArg);
    const h = this.history(node);
    const engine = this.engine(node);
    const self = engine.selfHex;
    const now = this.target.now();
    const live = opts.seq === undefined || opts.seq === null || opts.seq >= h.lastSeq;
    const seq = live ? h.lastSeq : Math.max(h.firstSeq - 1, opts.seq!);
    const cursorEntry = h.entry(seq);
    const t = live ? now : (cursorEntry?.t ?? h.entry(h.firstSeq)?.t ?? now);
    let friend = opts.friend ?? null;
    // A friend removed since is still shown while its history is kept; with none chosen, the first friend.
    if (friend !== null && !engine.friends.get(friend) && h.seqsOf(actorKeys.session(friend)).length === 0) friend = null;
    if (friend === null) {
      const first = engine.friends.all().next();
      friend = first.done ? null : first.value.pkHex;
    }
    const keys: Array<[ActorView['role'], string]> = [];
    if (friend !== null)
      keys.push(
        ['session', actorKeys.session(friend)],
        ['dhtkey', actorKeys.dhtkey(self, friend)],
        ['connect', actorKeys.connect(self, friend)],
        ['request', actorKeys.request(self, friend)],
      );
    for (const family of FAMILIES) keys.push([ANNOUNCE_PREFIX[family], actorKeys.announce(family, self)]);
    const actors: ActorView[] = [];
    for (const [role, key] of keys) {
      const v = this.actorView(h, role, key, live, seq, t);
      if (v) actors.push(v);
    }
    return {
      node,
      live,
      seq,
      t,
      now,
      friend: friend === null ? null : { pk: friend, label: this.name(friend) },
      cursor: cursorEntry ? journalRow(cursorEntry, this.name) : null,
      actors,
    };
  }

  private actorView(h: NodeHistory, role: ActorView['role'], key: string, live: boolean, seq: number, t: number): ActorView | null {
    const liveActor = h.engine.actors.get(key);
    let value: unknown;
    let context: unknown;
    let contextKnown: boolean;
    let lastEntry: JournalEntry | null;
    let machine: MachineName;
    let next: { at: number; reason: string } | null;
    if (live && liveActor) {
      value = liveActor.snapshot.value;
      context = liveActor.snapshot.context;
      contextKnown = true;
      machine = liveActor.machine;
      next = liveActor.next;
      const seqs = h.seqsOf(key);
      lastEntry = seqs.length > 0 ? (h.entry(seqs[seqs.length - 1]!) ?? null) : null;
    } else {
      const s = h.stateAt(key, seq);
      if (!s) return null;
      value = s.value;
      context = s.context;
      contextKnown = s.contextKnown;
      lastEntry = s.last;
      machine = liveActor?.machine ?? s.last?.machine ?? machineOfKey(key);
      if (s.last) next = s.last.next;
      else if (contextKnown) {
        const spec = machineSpecs[machine];
        next = spec.nextDeadline(resolveSnapshot(spec.machine, value, context));
      } else next = null;
    }
    return {
      key,
      label: actorLabel(key, this.name),
      role,
      machine,
      value,
      state: stateText(value),
      active: activeStateIds(value),
      context,
      contextKnown,
      last: lastEntry ? journalRow(lastEntry, this.name) : null,
      next: next === null ? null : { at: next.at, reason: next.reason, text: nextText(next, t)! },
      candidates: candidates(machine, value, context, contextKnown, t),
      facts: machine === 'friendSession' && contextKnown ? factRows(context, t) : null,
    };
  }
}

function machineOfKey(key: string): MachineName {
  const kind = key.split(':')[0];
  const byKind: Record<string, MachineName> = { tox4id: 'toxidAnnounce', tox6id: 'toxidAnnounce', dhtkey: 'dhtkeyShare', connect: 'connect', request: 'friendRequest' };
  return byKind[kind ?? ''] ?? 'friendSession';
}
