// toxstate inspector page: the selected friend's view — every actor's state chart (laid out
// with ELK, drawn as SVG with the active states, the last transition and the passing candidates
// marked; one chart shown at a time, chosen by tabs, fitted to its panel, zoomed and panned with
// zoom.js) and the details panel of the selected actor.
import { $, esc, S, secs } from './common.js';
import { recordingLastText, stepDetails } from './recording.js';
import { compactGraph, cutRow, fitScale, fitsAtOne, setScale, viewSize, wirePanZoom, zoomStep } from './zoom.js';

const CHAR_W = 6.7; // must match inspector/charts.ts CHAR_WIDTH_PX
const ROW_LINE = 15; // ROW_HEIGHT_PX
const TITLE_H = 26; // TITLE_HEIGHT_PX

// ---- layout (ELK) and drawing ------------------------------------------------------------------

const elk = new globalThis.ELK();

/** The layout of a machine, full (every row and label) or compact (zoom.js compactGraph); computed once. */
async function layoutOf(name, compact = false) {
  const k = `${name}${compact ? ':compact' : ''}`;
  let l = S.layouts.get(k);
  if (!l) {
    l = elk.layout(compact ? compactGraph(S.charts[name]) : structuredClone(S.charts[name].graph));
    S.layouts.set(k, l);
  }
  return l;
}

function walkNodes(node, out = []) {
  for (const c of node.children ?? []) {
    out.push(c);
    walkNodes(c, out);
  }
  return out;
}
function walkEdges(node, out = []) {
  for (const e of node.edges ?? []) out.push(e);
  for (const c of node.children ?? []) walkEdges(c, out);
  return out;
}

/** The point halfway along an edge's longest segment (where a compact chart labels it). */
function edgeMiddle(e) {
  let best = null;
  for (const sec of e.sections ?? []) {
    const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint];
    for (let i = 1; i < pts.length; i++) {
      const len = Math.abs(pts[i].x - pts[i - 1].x) + Math.abs(pts[i].y - pts[i - 1].y);
      if (!best || len > best.len) best = { len, x: (pts[i].x + pts[i - 1].x) / 2, y: (pts[i].y + pts[i - 1].y) / 2 };
    }
  }
  return best;
}

/**
 * SVG of one machine with the actor's active states and last transition highlighted. Compact
 * (zoom.js): one row line per state and only the edge labels that matter now.
 */
function chartSvg(name, layout, actor, role, compact) {
  const chart = S.charts[name];
  const states = new Map(chart.states.map((s) => [s.id, s]));
  const trans = new Map(chart.transitions.map((t) => [t.id, t]));
  const active = new Set(actor.active);
  const lastId = actor.last?.transition ? actor.last.transition.id : null;
  // A recorded step may take several transitions (hidden inputs first): all are "last". Edges its
  // findings say the model expected are marked `expected`.
  const lastIds = new Set(actor.taken ?? (lastId ? [lastId] : []));
  const expected = new Set(actor.expected ?? []);
  const passing = new Set(actor.candidates.filter((c) => c.selected).map((c) => c.id));
  const w = Math.ceil(layout.width);
  const h = Math.ceil(layout.height);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" data-w="${w}" data-h="${h}" data-machine="${name}" data-role="${role}" data-state-value="${esc(actor.state)}" data-compact="${compact}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>',
    '<marker id="arrow-last" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>',
    '<marker id="arrow-expected" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
  ];
  // States: parents before children, so children draw on top.
  for (const n of walkNodes(layout)) {
    const s = states.get(n.id);
    if (!s) continue;
    const isActive = active.has(s.id);
    const cls = `state${s.compound ? ' compound' : ''}`;
    parts.push(`<g class="${cls}" data-state="${esc(s.id)}" data-active="${isActive}">`);
    parts.push(`<title>${esc(s.id)}${s.initial ? ' (initial)' : ''}${s.description ? `\n${s.description}` : ''}</title>`);
    parts.push(`<rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="6"/>`);
    parts.push(`<text class="title" x="${n.x + 10}" y="${n.y + 17}">${s.initial ? '● ' : ''}${esc(s.name)}</text>`);
    const rowText = (r, i, text) => {
      const t = trans.get(r.transition);
      const cls2 = `row${lastIds.has(r.transition) ? ' last' : ''}${expected.has(r.transition) ? ' expected' : ''}`;
      parts.push(
        `<text class="${cls2}" data-transition="${esc(r.transition)}" x="${n.x + 10}" y="${n.y + TITLE_H + i * ROW_LINE + 8}"><title>${esc(`${r.text}\n${t?.description ?? ''}`)}</title>${esc(text)}</text>`,
      );
    };
    if (!compact) s.rows.forEach((r, i) => rowText(r, i, r.text));
    else if (s.rows.length) {
      // One line: the stay transition just taken (or expected), else how many the state has.
      const hit = s.rows.find((r) => lastIds.has(r.transition) || expected.has(r.transition));
      if (hit) rowText(hit, 0, cutRow(hit.text));
      else parts.push(`<text class="row more" x="${n.x + 10}" y="${n.y + TITLE_H + 8}"><title>${esc(s.rows.map((r) => r.text).join('\n'))}</title>${s.rows.length} stay transition${s.rows.length === 1 ? '' : 's'}</text>`);
    }
    parts.push('</g>');
  }
  const edgeInfo = new Map(chart.edges.map((e) => [e.id, e]));
  const onTop = []; // a compact chart's edge labels, drawn over everything
  for (const e of walkEdges(layout)) {
    const info = edgeInfo.get(e.id);
    if (!info) continue;
    const ids = info.lines.map((l) => l.transition);
    const isLast = ids.some((id) => lastIds.has(id));
    const isExpected = ids.some((id) => expected.has(id));
    const cls = `edge${isLast ? ' last' : ''}${isExpected ? ' expected' : ''}${ids.some((id) => passing.has(id)) ? ' candidate-pass' : ''}`;
    parts.push(`<g class="${cls}" data-edge="${esc(e.id)}">`);
    const tip = info.lines
      .map((l) => {
        const t = trans.get(l.transition);
        return t ? `${l.text}${t.outputs.length ? ` / ${t.outputs.join(', ')}` : ''}: ${t.description ?? ''}` : l.text;
      })
      .join('\n');
    parts.push(`<title>${esc(`${info.source} → ${info.target}\n${tip}`)}</title>`);
    for (const sec of e.sections ?? []) {
      const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint];
      parts.push(`<path d="M${pts.map((p) => `${p.x},${p.y}`).join(' L')}" marker-end="url(#${isExpected ? 'arrow-expected' : isLast ? 'arrow-last' : 'arrow'})"/>`);
    }
    const l = e.labels?.[0];
    if (compact) {
      const shown = info.lines.filter((x) => lastIds.has(x.transition) || expected.has(x.transition) || passing.has(x.transition));
      const mid = shown.length ? edgeMiddle(e) : null;
      shown.forEach((line, i) => {
        const c = `elabel${lastIds.has(line.transition) ? ' last' : ''}${expected.has(line.transition) ? ' expected' : ''}`;
        if (mid) onTop.push(`<text class="${c}" data-transition="${esc(line.transition)}" x="${mid.x + 4}" y="${mid.y + 4 + i * ROW_LINE}">${esc(line.text)}</text>`);
      });
    } else if (l)
      info.lines.forEach((line, i) => {
        const c = `${lastIds.has(line.transition) ? 'last' : ''}${expected.has(line.transition) ? ' expected' : ''}`.trim();
        const cls2 = c ? ` class="${c}"` : '';
        parts.push(`<text${cls2} data-transition="${esc(line.transition)}" x="${l.x}" y="${l.y + i * ROW_LINE + 10}">${esc(line.text)}</text>`);
      });
    parts.push('</g>');
  }
  parts.push(...onTop, '</svg>');
  return parts.join('');
}

const ROLE_TITLES = { session: 'friend session', dhtkey: 'dhtkey task', connect: 'connect task', request: 'friend request task', tox4id: 'account: tox4id task (announce, IPv4)', tox6id: 'account: tox6id task (announce, IPv6)' };
const ROLE_TABS = { session: 'session', dhtkey: 'dhtkey', connect: 'connect', request: 'request', tox4id: 'tox4id', tox6id: 'tox6id' };
const ROLE_ORDER = ['session', 'dhtkey', 'connect', 'request', 'tox4id', 'tox6id'];
const chartCache = new Map(); // role → signature, to redraw only on change
const zoomOf = new Map(); // role → the scale the user chose (absent: fit to the panel)

const viewOf = (role) => $('charts').querySelector(`.chart[data-role="${role}"] .chart-view`);
const scaleOf = (role) => Number(viewOf(role)?.querySelector('svg')?.dataset.z || 1);

/** How a session reaches its friend, from its context (as inspector/model.ts pathOf). */
function sessionPath(v) {
  const c = v.actors.find((a) => a.role === 'session' && a.machine === 'friendSession')?.context;
  return c?.path === 'udp' || c?.path === 'tcp' ? c.path : c?.relayed === true ? 'relay' : '';
}

/** Sizes the selected chart: the user's scale, or the one that fits its panel. */
export function applyZoom(role = S.selectedRole) {
  const view = viewOf(role);
  const svg = view?.querySelector('svg');
  if (!svg || view.closest('.chart').hidden) return;
  const size = viewSize(view);
  const z = zoomOf.get(role) ?? fitScale(Number(svg.dataset.w), Number(svg.dataset.h), size.w, size.h);
  if (Number(svg.dataset.z) !== z || !svg.dataset.z) setScale(view, z);
  const bigger = Number(svg.dataset.w) * z > size.w + 1 || Number(svg.dataset.h) * z > size.h + 1;
  $('zoom-level').textContent = `${Math.round(z * 100)} %${zoomOf.has(role) ? '' : ' · fit'}${bigger ? ' · drag to pan' : ''}`;
  $('zoom-fit').classList.toggle('on', !zoomOf.has(role));
}

/** Zoom buttons and keys: dir +1 in, -1 out, 0 fit. */
export function zoomBy(dir) {
  const role = S.selectedRole;
  if (dir === 0) zoomOf.delete(role);
  else zoomOf.set(role, zoomStep(scaleOf(role), dir));
  applyZoom(role);
}

/** The tabs, the zoom buttons, the "all labels" switch, refitting on resize: wired once. */
export function wireCharts() {
  $('chart-tabs').addEventListener('click', (e) => {
    const tab = e.target.closest('[data-role]');
    if (!tab) return;
    S.selectedRole = tab.dataset.role;
    renderCharts();
    renderDetails();
  });
  $('zoom-in').addEventListener('click', () => zoomBy(1));
  $('zoom-out').addEventListener('click', () => zoomBy(-1));
  $('zoom-fit').addEventListener('click', () => zoomBy(0));
  $('all-labels').addEventListener('change', (e) => {
    S.allLabels = e.target.checked;
    renderCharts();
  });
  let t = null;
  new ResizeObserver(() => {
    clearTimeout(t);
    t = setTimeout(() => renderCharts(), 60);
  }).observe($('charts'));
}

export async function renderCharts() {
  if (!S.view) return;
  // Lay out every machine first (each layout is computed once and cached), then draw the view
  // that is current by then. Drawing must not wait on a layout between two charts: under load a
  // new view arrives while the big session chart is being laid out, and the session chart would
  // never be drawn.
  await Promise.all(S.view.actors.flatMap((a) => [layoutOf(a.machine), layoutOf(a.machine, true)]));
  const v = S.view;
  const layouts = new Map();
  for (const a of v.actors) layouts.set(a.machine, { full: await layoutOf(a.machine), compact: await layoutOf(a.machine, true) });
  const host = $('charts');
  const head = $('charts-head');
  const path = sessionPath(v);
  head.innerHTML = v.friend
    ? `<strong>${esc(v.friend.label)}</strong>${path ? ` <span class="path mono" data-testid="path" title="how the session reaches this friend">path ${esc(path)}</span>` : ''} <span class="mono hint pk" data-pk="${esc(v.friend.pk)}" title="${esc(v.friend.pk)}">${esc(v.friend.pk.slice(0, 16))}…</span>`
    : '<span class="hint">no friends on this node</span>';
  const roles = v.actors.map((a) => a.role);
  // Remove charts of actors that are gone (a friend request accepted, another friend chosen).
  for (const el of [...host.children]) if (!roles.includes(el.dataset.role)) {
    el.remove();
    chartCache.delete(el.dataset.role);
  }
  if (!v.actors.some((a) => a.role === S.selectedRole)) S.selectedRole = v.actors[0]?.role ?? 'tox4id';
  $('chart-tabs').innerHTML = v.actors
    .map((a) => {
      const on = a.role === S.selectedRole;
      return `<button type="button" role="tab" class="tab${on ? ' on' : ''}" aria-selected="${on}" data-role="${esc(a.role)}" title="${esc(`${a.title ?? ROLE_TITLES[a.role] ?? a.role}: ${a.state}`)}">${esc(a.title ? a.label.replace(`${a.machine} `, '') : ROLE_TABS[a.role] ?? a.role)}</button>`;
    })
    .join('');
  for (const a of v.actors) {
    let box = host.querySelector(`.chart[data-role="${a.role}"]`);
    if (!box) {
      box = document.createElement('div');
      box.className = 'chart';
      box.dataset.role = a.role;
      box.innerHTML = '<div class="chart-top"><h3></h3></div><div class="chart-view"></div>';
      const role = a.role;
      wirePanZoom(box.querySelector('.chart-view'), () => scaleOf(role), (z, anchor) => {
        zoomOf.set(role, z);
        setScale(viewOf(role), z, anchor);
        applyZoom(role);
      });
      // Keep the role order stable.
      const order = [...ROLE_ORDER, ...roles];
      const after = [...host.children].find((c) => order.indexOf(c.dataset.role) > order.indexOf(a.role));
      host.insertBefore(box, after ?? null);
    }
    if (box.hidden && a.role === S.selectedRole) box.dataset.reveal = 'true'; // shown again: bring its active state into sight
    box.hidden = a.role !== S.selectedRole;
    box.classList.toggle('selected', a.role === S.selectedRole);
    if (!box.hidden && $('zoom').parentElement !== box.firstElementChild) box.firstElementChild.appendChild($('zoom'));
  }
  // Every chart view has the selected one's size (hidden ones have none to measure).
  const size = viewOf(S.selectedRole) ? viewSize(viewOf(S.selectedRole)) : { w: 0, h: 0 };
  for (const a of v.actors) {
    const box = host.querySelector(`.chart[data-role="${a.role}"]`);
    const l = layouts.get(a.machine);
    // The full drawing when it fits at a readable scale (or "all labels"), else the compact one.
    const compact = !S.allLabels && size.w > 0 && !fitsAtOne(Math.ceil(l.full.width), Math.ceil(l.full.height), size.w, size.h);
    const layout = compact ? l.compact : l.full;
    const sig = JSON.stringify([a.key, a.state, a.last?.seq, a.last?.transition?.id, a.taken, a.expected, a.candidates.filter((c) => c.selected).map((c) => c.id), a.next?.text, compact]);
    if (chartCache.get(a.role) === sig) continue;
    const stateChanged = chartCache.has(a.role) && JSON.parse(chartCache.get(a.role))[1] !== a.state;
    const lastText = a.last?.verdict !== undefined
      ? recordingLastText(a.last)
      : a.last
      ? `last: ${a.last.transition ? `${a.last.eventType} → ${a.last.to}` : a.last.ignored ? `ignored ${a.last.eventType}` : `created in ${a.last.to}`} (#${a.last.seq})`
      : 'no step yet';
    // One line, so that the chart keeps the height: the step just taken is in the tooltip, the
    // timeline's cursor row and the details.
    const h3 = box.querySelector('h3');
    h3.title = `${a.title ?? ROLE_TITLES[a.role] ?? a.role} (${a.label} · ${a.machine})\n${lastText}`;
    h3.innerHTML =
      `<span>${esc(a.title ? a.label : ROLE_TITLES[a.role] ?? a.role)}</span>` +
      `<span class="sub">state <strong class="mono" data-testid="state">${esc(a.state)}</strong></span>`;
    // Redrawn at the scale it had, where it was scrolled to.
    const view = box.querySelector('.chart-view');
    const old = view.querySelector('svg');
    const keep = old && old.dataset.compact === String(compact) ? { z: old.dataset.z, left: view.scrollLeft, top: view.scrollTop } : null;
    view.innerHTML = chartSvg(a.machine, layout, a, a.role, compact);
    if (keep?.z) {
      const svg = view.querySelector('svg');
      svg.setAttribute('width', String(Math.round(Number(svg.dataset.w) * Number(keep.z))));
      svg.setAttribute('height', String(Math.round(Number(svg.dataset.h) * Number(keep.z))));
      svg.dataset.z = keep.z;
      view.scrollLeft = keep.left;
      view.scrollTop = keep.top;
    }
    // Remembered only once drawn: a chart that failed to draw is tried again on the next view.
    chartCache.set(a.role, sig);
    if (a.role === S.selectedRole) applyZoom(a.role);
    // Keep the active state in sight when it changes or the drawing is new (not on every redraw:
    // the user may be reading elsewhere).
    if (!keep || (a.role === 'session' && stateChanged)) box.dataset.reveal = 'true';
  }
  applyZoom();
  const shown = host.querySelector(`.chart[data-role="${S.selectedRole}"]`);
  if (shown?.dataset.reveal) {
    delete shown.dataset.reveal;
    const g = shown.querySelector('g.state[data-active=true] > rect');
    if (g) scrollIntoChart(shown.querySelector('.chart-view'), g);
  }
}

/** Scrolls a chart view (only it, not the page) so that an element of its drawing is in sight. */
function scrollIntoChart(view, el) {
  const r = el.getBoundingClientRect();
  const vr = view.getBoundingClientRect();
  if (r.left < vr.left) view.scrollLeft += r.left - vr.left - 20;
  else if (r.right > vr.right) view.scrollLeft += r.right - vr.right + 20;
  if (r.top < vr.top) view.scrollTop += r.top - vr.top - 20;
  else if (r.bottom > vr.bottom) view.scrollTop += r.bottom - vr.bottom + 20;
}

// ---- details: context, next deadline, facts, candidates -----------------------------------------

/**
 * A friend session's facts (DHT key, address): the rows come formatted from the server
 * (inspector/format.ts factRows, times relative to the point shown); "—" for an absent fact.
 */
function factsTable(a, t) {
  if (a.machine !== 'friendSession') return '';
  if (!a.facts) return `<h4>Facts</h4><p class="hint">context not recorded for this point</p>`;
  const rows = a.facts
    .map(
      (f) =>
        `<tr data-fact="${esc(f.fact)}" class="${f.present ? '' : 'absent'}${f.stale ? ' stale' : ''}">` +
        `<td><div class="fact-name">${esc(f.fact)}</div><div class="mono" data-col="value" title="${esc(f.full)}">${esc(f.value)}</div></td>` +
        `<td data-col="source" title="${esc(`sources, strongest first: ${f.ranks}`)}"><span class="mono">${esc(f.source)}</span>${f.sourceHint ? `<div class="hint">${esc(f.sourceHint)}</div>` : ''}</td>` +
        `<td data-col="learned">${esc(f.learned)}</td>` +
        `<td data-col="confirmed">${esc(f.confirmed)}</td>` +
        `<td data-col="fresh">${esc(f.freshUntil)}</td></tr>`,
    )
    .join('');
  return (
    `<h4>Facts at ${secs(t)}</h4>` +
    `<table id="facts"><tr><th>value</th><th>source</th><th>learned</th><th>confirmed</th><th>fresh until</th></tr>${rows}</table>`
  );
}

export function renderDetails() {
  const v = S.view;
  const el = $('details');
  if (!v) return;
  const a = v.actors.find((x) => x.role === S.selectedRole) ?? v.actors[0];
  if (!a) {
    el.innerHTML = '';
    return;
  }
  $('details-title').textContent = `${a.label} · ${a.machine}`;
  const ctx = a.contextKnown
    ? Object.entries(a.context ?? {})
        .map(([k, val]) => `<tr><td>${esc(k)}</td><td class="mono">${esc(typeof val === 'string' ? val : JSON.stringify(val))}</td></tr>`)
        .join('')
    : '<tr><td colspan="2" class="hint">context not recorded for this point (before the actor\'s first journaled step)</td></tr>';
  const cands = a.candidates
    .map((c) => {
      const vcls = c.verdict === 'pass' || c.verdict === 'no guard' ? 'verdict-pass' : c.verdict === 'fail' ? 'verdict-fail' : 'verdict-other';
      const target = c.targets.length ? c.targets.join(', ') : '(stays)';
      const tip = `${c.source} → ${target}${c.outputs.length ? ` / ${c.outputs.join(', ')}` : ''}\n${c.description ?? ''}`;
      return `<tr class="${c.selected ? 'selected-candidate' : ''}" title="${esc(tip)}"><td class="mono">${esc(c.event)}<div class="hint">→ ${esc(target)}</div></td><td class="mono">${esc(c.guard ?? '')}</td><td class="${vcls}">${esc(c.verdict)}${c.selected ? ' ← next tick' : ''}</td></tr>`;
    })
    .join('');
  const last = a.last
    ? `<table class="kv"><tr><td>seq</td><td>#${a.last.seq} at ${secs(a.last.t)}</td></tr><tr><td>event</td><td class="mono">${esc(a.last.event)}</td></tr><tr><td>transition</td><td class="mono">${
        !a.last.transition
          ? a.last.ignored
            ? 'ignored'
            : `created in ${esc(a.last.to)}`
          : `${esc(a.last.transition.source)} → ${esc(a.last.transition.targets.join(', ') || '(stays)')}${a.last.transition.guard ? ` [${esc(a.last.transition.guard)}]` : ''}`
      }</td></tr><tr><td>outputs</td><td class="mono">${esc(a.last.outputs.join(', ') || '—')}</td></tr></table>`
    : '<p class="hint">no journaled step yet</p>';
  el.innerHTML =
    (S.info.mode === 'recording' ? stepDetails(v) : '') +
    `<h4>State</h4><div class="mono">${esc(a.state)}</div>` +
    `<h4>Next deadline</h4><div>${a.next ? esc(a.next.text) : '<span class="hint">none</span>'}</div>` +
    factsTable(a, v.t) +
    `<h4>Candidate transitions at ${secs(v.t)}</h4><table><tr><th>event → target</th><th>guard</th><th>verdict</th></tr>${cands}</table>` +
    `<p class="hint">tick guards are evaluated on the context with a tick at this time; other events carry fields the guard reads.</p>` +
    `<h4>Last step</h4>${last}` +
    `<h4>Context</h4><table class="kv">${ctx}</table>`;
}
