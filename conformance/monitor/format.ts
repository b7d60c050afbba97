/**
 * How a check report reads: JSON lines for programs (`toxstate check --json`) and text for people.
 *
 * JSON lines, in order: `peer` per identified key, then per direction its `progress` events (each
 * state change), then every `violation` and `deviation` in time order, `not_observable` items,
 * and last one `summary`:
 *
 * | ev             | fields                                                                          |
 * |----------------|---------------------------------------------------------------------------------|
 * | peer           | pk, profile (file or null), addresses                                           |
 * | progress       | observer, friend, state, t (s since the first frame), frame (or null); for the toxid: task friend is null and task is `toxid:<pk>` |
 * | violation      | rule, t, packets (frame numbers), expected, observed, observer, friend, transition |
 * | deviation      | the same fields as a violation                                                  |
 * | not_observable | what                                                                            |
 * | summary        | pairs, violations, deviations, packets (UDP datagrams), session_packets, presumed_lost, unjudged, tolerance_ms |
 *
 * Keys are uppercase hex, times seconds with millisecond precision.
 */
import type { CheckReport, DirectionReport } from './check.js';
import type { Finding } from './session-monitor.js';

const sec = (ms: number): number => Math.round(ms) / 1000;
const short = (pk: string): string => `${pk.slice(0, 8)}…`;

/** The frame that caused each state change of a direction (null for a deadline or the start). */
function progressWithFrames(d: DirectionReport): { t: number; state: string; frame: number | null; why: string }[] {
  return d.progress.map((p, i) => {
    const s = i === 0 ? undefined : d.steps.find((x) => x.t === p.t && x.to === p.state && x.from !== x.to);
    const mark = s && s.verdict !== 'ok' && s.verdict !== 'inferred' ? ` [${s.verdict}]` : '';
    const why = i === 0 ? 'start of the capture' : s ? `${s.what}${s.inferred.length > 0 ? ` (inferred: ${s.inferred.join('; ')})` : ''}${mark}` : 'deadline';
    return { t: p.t, state: p.state, frame: s?.n ?? null, why };
  });
}

export function summaryOf(report: CheckReport): { pairs: number; violations: number; deviations: number; presumedLost: number; unjudged: number } {
  const dirs = report.pairs.flatMap((p) => p.directions);
  return {
    pairs: report.pairs.length,
    violations: report.findings.filter((f) => f.kind === 'violation').length,
    deviations: report.findings.filter((f) => f.kind === 'deviation').length,
    presumedLost: dirs.reduce((s, d) => s + d.presumedLost.length, 0) + report.tasks.reduce((s, t) => s + t.presumedLost, 0),
    unjudged: dirs.reduce((s, d) => s + d.unjudged, 0),
  };
}

export function jsonLines(report: CheckReport): string[] {
  const out: string[] = [];
  for (const p of report.peers) out.push(JSON.stringify({ ev: 'peer', pk: p.pk, profile: p.profile, addresses: p.addresses }));
  for (const pair of report.pairs)
    for (const d of pair.directions)
      for (const p of progressWithFrames(d)) out.push(JSON.stringify({ ev: 'progress', observer: d.observer, friend: d.friend, state: p.state, t: sec(p.t), frame: p.frame }));
  for (const task of report.tasks)
    for (const p of task.progress) out.push(JSON.stringify({ ev: 'progress', observer: task.observer, friend: null, task: 'toxid', state: p.state, t: sec(p.t), frame: task.steps.find((x) => x.t === p.t && x.to === p.state)?.n ?? null }));
  for (const f of report.findings) out.push(JSON.stringify(findingJson(f)));
  for (const what of report.notObservable) out.push(JSON.stringify({ ev: 'not_observable', what }));
  const s = summaryOf(report);
  out.push(
    JSON.stringify({
      ev: 'summary',
      pairs: s.pairs,
      violations: s.violations,
      deviations: s.deviations,
      packets: report.datagrams,
      session_packets: report.sessionDatagrams,
      presumed_lost: s.presumedLost,
      unjudged: s.unjudged,
      tolerance_ms: report.toleranceMs,
    }),
  );
  return out;
}

function findingJson(f: Finding): Record<string, unknown> {
  return { ev: f.kind, rule: f.rule, t: sec(f.t), packets: f.packets, expected: f.expected, observed: f.observed, observer: f.observer, friend: f.friend, transition: f.transition };
}

/** The report as text: peers, each direction's timeline, findings, what was not observable, a summary. */
export function textReport(report: CheckReport, source: string): string[] {
  const out: string[] = [];
  const s = summaryOf(report);
  const label = (pk: string): string => {
    const p = report.peers.find((x) => x.pk === pk);
    return p?.profile ? `${short(pk)} (${p.profile})` : short(pk);
  };
  out.push(`${source}: ${report.datagrams} UDP datagrams over ${sec(report.durationMs).toFixed(3)} s; tolerance ±${report.toleranceMs} ms`);
  out.push('', 'Peers:');
  for (const p of report.peers) out.push(`  ${p.pk}  ${p.profile ?? '(no profile)'}  at ${p.addresses.join(', ')}`);
  for (const pair of report.pairs) {
    out.push('', `Pair ${label(pair.a)} ↔ ${label(pair.b)}: ${pair.packets} friend-connection datagrams`);
    for (const d of pair.directions) {
      out.push(`  ${short(d.observer)}'s session with ${short(d.friend)}:`);
      for (const p of progressWithFrames(d)) out.push(`    ${sec(p.t).toFixed(3).padStart(9)} s  ${p.state.padEnd(21)} ${p.frame !== null ? `frame ${p.frame}: ` : ''}${p.why}`);
      if (d.presumedLost.length > 0) out.push(`    presumed lost before the observer read them: frames ${d.presumedLost.join(', ')}`);
      if (d.unjudged > 0) out.push(`    ${d.unjudged} expected packets not judged (the observer was silent then, or the capture ended)`);
    }
  }
  for (const task of report.tasks) {
    out.push('', `Task toxid:${short(task.observer)} (self-announcing; ${task.requests} requests, ${task.responses} responses opened${task.presumedLost > 0 ? `; ${task.presumedLost} rounds seen only as onion requests lost on their path` : ''}):`);
    for (const p of task.progress) out.push(`    ${sec(p.t).toFixed(3).padStart(9)} s  ${p.state}`);
  }
  const block = (kind: 'violation' | 'deviation', title: string): void => {
    const list = report.findings.filter((f) => f.kind === kind);
    out.push('', `${title}: ${list.length === 0 ? 'none' : list.length}`);
    for (const f of list) {
      const who = f.observer === f.friend ? `toxid:${short(f.observer)}` : `${short(f.observer)} → ${short(f.friend)}`;
      out.push(`  [${f.rule}] at ${sec(f.t).toFixed(3)} s, ${who}${f.packets.length > 0 ? `, frames ${f.packets.join(', ')}` : ''}`);
      out.push(`    expected: ${f.expected}`);
      out.push(`    observed: ${f.observed}`);
    }
  };
  block('violation', 'Violations');
  block('deviation', 'Deviations (documented c-toxcore differences)');
  out.push('', 'Not observable:');
  for (const what of report.notObservable) out.push(`  - ${what}`);
  out.push('', `Summary: ${s.pairs} pair${s.pairs === 1 ? '' : 's'}, ${s.violations} violation${s.violations === 1 ? '' : 's'}, ${s.deviations} deviation${s.deviations === 1 ? '' : 's'}, ${report.datagrams} datagrams (${report.sessionDatagrams} friend-connection), ${s.presumedLost} presumed lost, ${s.unjudged} unjudged`);
  return out;
}
