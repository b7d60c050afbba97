/**
 * Journal entries as the page shows them: short actor labels (`session:Bob`), events and
 * outputs as one line each with long keys shortened, the transition as source → target with
 * its guard, the next deadline as "reason in X s", and a friend session's facts as table rows
 * (times relative to the point shown: "12.3 s ago", "in 109.7 s", "stale").
 */
import { ADDRESS_SOURCE_RANK, DHT_KEY_SOURCE_RANK } from '../machines/friend-session-rules.js';
import type { MachineName } from '../machines/index.js';
import type { JournalEntry } from '../runtime/journal.js';
import { transitionById } from './charts.js';
import { stateText } from './history.js';

/** Names keys: a friend's hex key → `Bob`; unknown keys are shortened. */
export type KeyNamer = (hex: string) => string;

export const shortHex = (hex: string): string => (hex.length > 16 ? `${hex.slice(0, 8)}…` : hex);

export function actorLabel(key: string, name: KeyNamer): string {
  const parts = key.split(':');
  const kind = parts[0]!;
  if (kind === 'tox4id' || kind === 'tox6id') return kind;
  return `${kind}:${name(parts[parts.length - 1]!)}`;
}

function valueText(v: unknown, name: KeyNamer): string {
  if (typeof v === 'string') return /^[0-9a-f]{64}$/i.test(v) ? name(v) : v.length > 40 ? `${v.slice(0, 40)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'bigint') return `${v}`;
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 60)}…` : s;
  } catch {
    return '…';
  }
}

/** `type(field=value, …)` without `now`. */
export function eventText(e: { readonly type: string; readonly [k: string]: unknown }, name: KeyNamer): string {
  const fields = Object.entries(e).filter(([k]) => k !== 'type' && k !== 'now');
  if (fields.length === 0) return e.type;
  return `${e.type}(${fields.map(([k, v]) => `${k}=${valueText(v, name)}`).join(', ')})`;
}

export function secondsText(ms: number): string {
  const s = ms / 1000;
  return Math.abs(s) >= 100 ? `${s.toFixed(0)} s` : `${s.toFixed(1)} s`;
}

/**
 * "cookie request retry 3/8 in 1.0 s": the reason with `at − t` as "in X s" ("overdue by" when
 * the deadline has passed). A reason that already ends in a fixed "in N s" (the retry interval)
 * has it replaced by the real remaining time.
 */
export function nextText(next: { at: number; reason: string } | null, t: number): string | null {
  if (next === null) return null;
  const d = next.at - t;
  const reason = next.reason.replace(/ in \d+(\.\d+)? s$/, '');
  return d >= 0 ? `${reason} in ${secondsText(d)}` : `${reason} overdue by ${secondsText(-d)}`;
}

export interface JournalRow {
  readonly seq: number;
  readonly t: number;
  readonly actor: string;
  readonly actorLabel: string;
  readonly machine: MachineName;
  readonly event: string;
  readonly eventType: string;
  readonly from: string;
  readonly to: string;
  readonly ignored: boolean;
  readonly transition: {
    readonly id: string;
    readonly source: string;
    readonly targets: readonly string[];
    readonly guard: string | null;
    readonly description: string | null;
  } | null;
  readonly outputs: readonly string[];
  readonly next: { readonly at: number; readonly reason: string; readonly inMs: number; readonly text: string } | null;
}

export function journalRow(e: JournalEntry, name: KeyNamer): JournalRow {
  const t = e.transition === null ? null : transitionById(e.machine, e.transition);
  return {
    seq: e.seq,
    t: e.t,
    actor: e.actor,
    actorLabel: actorLabel(e.actor, name),
    machine: e.machine,
    event: eventText(e.event, name),
    eventType: e.event.type,
    from: stateText(e.from),
    to: stateText(e.to),
    // A journaled creation (from: null) is not an ignored event.
    ignored: e.transition === null && e.from !== null,
    transition:
      e.transition === null
        ? null
        : {
            id: e.transition,
            source: t?.source ?? e.transition.split('|')[0]!,
            targets: t?.targets ?? [],
            guard: t?.guard ?? null,
            description: t?.description ?? null,
          },
    outputs: e.outputs.map((o) => eventText(o, name)),
    next: e.next === null ? null : { at: e.next.at, reason: e.next.reason, inMs: e.next.at - e.t, text: nextText(e.next, e.t)! },
  };
}

/** A time `at` relative to `ref` (same clock, ms), to a tenth of a second: "12.3 s ago", "in 109.7 s", "now". */
export function relativeText(at: number, ref: number): string {
  const d = at - ref;
  if (d === 0) return 'now';
  const s = `${(Math.abs(d) / 1000).toFixed(1)} s`;
  return d > 0 ? `in ${s}` : `${s} ago`;
}

/** What the sources of a fact mean, when the name alone does not say it. */
const SOURCE_HINTS: Readonly<Record<string, string>> = { dhtSearch: 'claim, being checked' };

/** A rank table as "best > … > worst", equal ranks joined with " = ": `handshake > onion = dhtRoute > dhtMessage`. */
export function rankText(rank: Readonly<Record<string, number>>): string {
  const levels = [...new Set(Object.values(rank))].sort((a, b) => b - a);
  return levels.map((r) => Object.keys(rank).filter((s) => rank[s] === r).join(' = ')).join(' > ');
}

/** One row of a friend session's facts table: every field as the page shows it. */
export interface FactRow {
  readonly fact: 'DHT key' | 'address';
  readonly present: boolean;
  /** The value shown (a DHT key shortened), "—" when absent. */
  readonly value: string;
  /** The whole value (for a tooltip), "" when absent. */
  readonly full: string;
  readonly source: string;
  /** What the source means ("claim, being checked" for dhtSearch), or null. */
  readonly sourceHint: string | null;
  /** The fact's sources, strongest first (rankText). */
  readonly ranks: string;
  readonly learned: string;
  readonly confirmed: string;
  /** "in X s" while fresh; "stale (X s ago)" once the deadline has passed (fresh means t < freshUntil). */
  readonly freshUntil: string;
  readonly stale: boolean;
}

interface FactLike {
  readonly value: string;
  readonly source: string;
  readonly learnedAt: number;
  readonly confirmedAt: number;
  readonly freshUntil: number;
}

const isFactLike = (f: unknown): f is FactLike =>
  typeof f === 'object' &&
  f !== null &&
  typeof (f as FactLike).value === 'string' &&
  typeof (f as FactLike).source === 'string' &&
  typeof (f as FactLike).learnedAt === 'number' &&
  typeof (f as FactLike).confirmedAt === 'number' &&
  typeof (f as FactLike).freshUntil === 'number';

/** A fact (or its absence) as a table row, its times relative to `t`. */
export function factRow(fact: FactRow['fact'], f: unknown, ranks: Readonly<Record<string, number>>, t: number): FactRow {
  const order = rankText(ranks);
  if (!isFactLike(f))
    return { fact, present: false, value: '—', full: '', source: '—', sourceHint: null, ranks: order, learned: '—', confirmed: '—', freshUntil: '—', stale: false };
  const stale = t >= f.freshUntil;
  return {
    fact,
    present: true,
    value: fact === 'DHT key' ? shortHex(f.value) : f.value,
    full: f.value,
    source: f.source,
    sourceHint: SOURCE_HINTS[f.source] ?? null,
    ranks: order,
    learned: relativeText(f.learnedAt, t),
    confirmed: relativeText(f.confirmedAt, t),
    freshUntil: stale ? `stale (${relativeText(f.freshUntil, t)})` : relativeText(f.freshUntil, t),
    stale,
  };
}

/**
 * A friend session's facts (context.dhtKey, context.address) as the inspector's table, times
 * relative to `t`, the point in time shown.
 */
export function factRows(context: unknown, t: number): FactRow[] {
  const c = (typeof context === 'object' && context !== null ? context : {}) as { dhtKey?: unknown; address?: unknown };
  return [factRow('DHT key', c.dhtKey, DHT_KEY_SOURCE_RANK, t), factRow('address', c.address, ADDRESS_SOURCE_RANK, t)];
}
