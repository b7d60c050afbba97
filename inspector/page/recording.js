// toxstate inspector page, recording mode (`toxstate inspect --pcap`): what the page shows
// differently for a finished recording of the conformance monitor (inspector/recording.ts) —
// the timeline's columns (frame, what, verdict, note), violation and deviation marks, the step's
// details (inferred inputs, note, findings with rule, expected and observed). Everything else —
// charts, time travel, the friend list (here the monitored directions) — is the same page.
import { $, esc, S, secs } from './common.js';

export const isRecording = () => S.info?.mode === 'recording';

/** Once, when the page learns it shows a recording: labels, and paused at the first step. */
export function setupRecording() {
  const rec = S.info.recording;
  S.cursor = rec.startSeq;
  S.followTimeline = false;
  S.followStep = true;
  const head = document.querySelector('#bottom .trow.head');
  head.innerHTML = '<span>step</span><span>time</span><span>machine</span><span>frame: what</span><span>transition</span><span>verdict</span><span>note</span>';
  const live = $('live');
  live.textContent = 'last »';
  live.title = 'the last step of the recording';
  $('first').title = 'before the first step (every session in its initial state)';
  $('back').title = 'one step back (←)';
  $('fwd').title = 'one step forward (→)';
  $('only-friend').parentElement.lastChild.textContent = ' only this machine';
  $('filter').placeholder = 'filter by key or profile';
  document.querySelector('#actors-panel .panel-head span').textContent = 'Monitored machines';
  document.body.dataset.mode = 'recording';
}

const marked = (v) => v === 'violation' || v === 'deviation';

/** A timeline row of a recording: its class and cells. */
export function recordingRow(row, cursorSeq) {
  const cls = `trow verdict-${row.verdict}${row.seq === cursorSeq ? ' cursor' : ''}`;
  const trTitle = row.taken.length ? row.taken.join('\n') : row.missed ? 'judged when the expected output\'s window closed' : 'no transition';
  const tr = `${esc(row.from)} → ${esc(row.to)}${row.taken.length > 1 ? ` <span class="guard">(${row.taken.length} transitions)</span>` : ''}`;
  const finding = row.findings[0];
  const note = finding ? `${finding.rule}: ${finding.observed}` : row.inferred.length ? `inferred: ${row.inferred.join('; ')}` : (row.note ?? '');
  const html =
    `<span>#${row.seq}</span><span>${(row.t / 1000).toFixed(3)}</span><span title="${esc(`${row.machine} ${row.instance}`)}">${esc(row.actorLabel)}</span>` +
    `<span title="${esc(row.event)}">${esc(row.event)}</span><span title="${esc(trTitle)}">${tr}</span>` +
    `<span class="verdict ${esc(row.verdict)}"${marked(row.verdict) ? ` data-finding="${esc(finding?.rule ?? '')}"` : ''}>${marked(row.verdict) ? '⚠ ' : ''}${esc(row.verdict)}</span>` +
    `<span title="${esc(note)}">${esc(note)}</span>`;
  return { cls, html };
}

/** "last: …" under a chart's title. */
export function recordingLastText(last) {
  return `last: ${last.frame === null ? last.what : `frame ${last.frame} ${last.what}`} → ${last.to} (#${last.seq}, ${last.verdict})`;
}

/** The step at the cursor: what the monitor saw, inferred and said, and its findings. */
export function stepDetails(v) {
  const row = v.cursor;
  if (!row) return `<h4>Step</h4><p class="hint">before the first step: every session in its initial state (${esc(S.info.recording.source)})</p>`;
  const kv = (k, val) => `<tr><td>${esc(k)}</td><td class="mono">${val}</td></tr>`;
  const list = (xs) => (xs.length ? `<ul>${xs.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '<span class="hint">none</span>');
  const findings = row.findings
    .map(
      (f) =>
        `<div class="finding ${esc(f.kind)}" data-rule="${esc(f.rule)}"><div><strong>${esc(f.kind)}</strong> <span class="mono">${esc(f.rule)}</span> at ${secs(f.t)}${f.packets.length ? ` · frame ${f.packets.map(esc).join(', ')}` : ''}</div>` +
        `<div><span class="hint">expected</span> ${esc(f.expected)}</div><div><span class="hint">observed</span> ${esc(f.observed)}</div>` +
        `${f.transition ? `<div><span class="hint">expected edge</span> <span class="mono">${esc(f.transition)}</span> (marked on the chart)</div>` : ''}</div>`,
    )
    .join('');
  return (
    `<h4>Step #${row.seq} at ${secs(row.t)}</h4><table class="kv">` +
    kv(row.machine, `<span title="${esc(row.instance)}">${esc(row.actorLabel)}</span>`) +
    kv('frame', row.frame === null ? '<span class="hint">none (a deadline or a missed output)</span>' : esc(row.frame)) +
    kv('what', esc(row.what)) +
    kv('state', `${esc(row.from)} → ${esc(row.to)}`) +
    kv('transitions', row.taken.length ? row.taken.map(esc).join('<br>') : '<span class="hint">none</span>') +
    kv('verdict', `<span class="verdict ${esc(row.verdict)}">${esc(row.verdict)}</span>`) +
    kv('note', row.note ? esc(row.note) : '<span class="hint">none</span>') +
    `</table><h4>Inferred inputs</h4>${list(row.inferred)}` +
    (findings ? `<h4>Finding</h4>${findings}` : '')
  );
}
