/**
 * Journal entries as the page shows them: short actor labels (`session:Bob`), events and
 * outputs as one line each with long keys shortened, the transition as source → target with
 * its guard, and the next deadline as "reason in X s".
 */
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
