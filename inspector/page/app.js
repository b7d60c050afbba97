// toxstate inspector page. Plain ES module, no build step, no external resources: it talks to
// the inspector's own server (inspector/server.ts) and lays charts out with the elkjs bundle the
// server serves from node_modules.
//
// State shown is always "the selected node at a journal position": live (follow the present)
// or a seq chosen with the slider, the step buttons or a click on the timeline.

const ROW_H = 22; // timeline row height (px), fixed: the list is virtualised
const FRIEND_H = 40; // friend row height (px)
const CHAR_W = 6.7; // must match inspector/charts.ts CHAR_WIDTH_PX
const ROW_LINE = 15; // ROW_HEIGHT_PX
const TITLE_H = 26; // TITLE_HEIGHT_PX

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const leaf = (state) => String(state).split('.').pop();
const secs = (ms) => `${(ms / 1000).toFixed(3)} s`;

const S = {
  info: null,
  charts: null,
  layouts: new Map(), // machine name → ELK result
  node: 0,
  friend: null,
  cursor: null, // null = live, else a seq
  onlyFriend: false,
  selectedRole: 'session',
  view: null,
  q: '',
  stateFilter: '',
  followTimeline: true,
  timelineTotal: 0,
  friendsTotal: 0,
};

// The access token: every API request and stream carries it (inspector/access.ts). It arrives in
// the fragment of the URL toxstate prints (…/#token=…), which no browser sends to a server or
// puts in a Referer; it is kept for this tab in sessionStorage (reloads) and taken off the
// address bar.
const TOKEN = (() => {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem('toxstate-token', fromUrl);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return fromUrl || sessionStorage.getItem('toxstate-token') || '';
})();

async function api(path, body) {
  const headers = { authorization: `Bearer ${TOKEN}` };
  const init = body === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const r = await fetch(path, init);
  if (r.status === 401) throw new Error('this page needs its access token: open the URL toxstate printed (http://127.0.0.1:PORT/#token=…)');
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

const qs = (o) =>
  Object.entries(o)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

// ---- layout (ELK) and drawing ------------------------------------------------------------------

const elk = new globalThis.ELK();

async function layoutOf(name) {
  let l = S.layouts.get(name);
  if (!l) {
    l = elk.layout(structuredClone(S.charts[name].graph));
    S.layouts.set(name, l);
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

/** SVG of one machine with the actor's active states and last transition highlighted. */
function chartSvg(name, layout, actor, role) {
  const chart = S.charts[name];
  const states = new Map(chart.states.map((s) => [s.id, s]));
  const trans = new Map(chart.transitions.map((t) => [t.id, t]));
  const active = new Set(actor.active);
  const lastId = actor.last?.transition ? actor.last.transition.id : null;
  const passing = new Set(actor.candidates.filter((c) => c.selected).map((c) => c.id));
  const w = Math.ceil(layout.width);
  const h = Math.ceil(layout.height);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" data-machine="${name}" data-role="${role}" data-state-value="${esc(actor.state)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>',
    '<marker id="arrow-last" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
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
    s.rows.forEach((r, i) => {
      const t = trans.get(r.transition);
      const cls2 = `row${r.transition === lastId ? ' last' : ''}`;
      parts.push(
        `<text class="${cls2}" data-transition="${esc(r.transition)}" x="${n.x + 10}" y="${n.y + TITLE_H + i * ROW_LINE + 8}"><title>${esc(t?.description ?? '')}</title>${esc(r.text)}</text>`,
      );
    });
    parts.push('</g>');
  }
  const edgeInfo = new Map(chart.edges.map((e) => [e.id, e]));
  for (const e of walkEdges(layout)) {
    const info = edgeInfo.get(e.id);
    if (!info) continue;
    const ids = info.lines.map((l) => l.transition);
    const isLast = ids.includes(lastId);
    const cls = `edge${isLast ? ' last' : ''}${ids.some((id) => passing.has(id)) ? ' candidate-pass' : ''}`;
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
      parts.push(`<path d="M${pts.map((p) => `${p.x},${p.y}`).join(' L')}" marker-end="url(#${isLast ? 'arrow-last' : 'arrow'})"/>`);
    }
    const l = e.labels?.[0];
    if (l)
      info.lines.forEach((line, i) => {
        const cls2 = line.transition === lastId ? ' class="last"' : '';
        parts.push(`<text${cls2} data-transition="${esc(line.transition)}" x="${l.x}" y="${l.y + i * ROW_LINE + 10}">${esc(line.text)}</text>`);
      });
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

const ROLE_TITLES = { session: 'friend session', dhtkey: 'dhtkey task', connect: 'connect task', request: 'friend request task', toxid: 'account: toxid task' };
const chartCache = new Map(); // role → signature, to redraw only on change

async function renderCharts() {
  if (!S.view) return;
  // Lay out every machine first (each layout is computed once and cached), then draw the view
  // that is current by then. Drawing must not wait on a layout between two charts: under load a
  // new view arrives while the big session chart is being laid out, and the session chart would
  // never be drawn.
  await Promise.all(S.view.actors.map((a) => layoutOf(a.machine)));
  const v = S.view;
  const layouts = new Map();
  for (const a of v.actors) layouts.set(a.machine, await layoutOf(a.machine));
  const host = $('charts');
  const head = $('charts-head');
  head.innerHTML = v.friend
    ? `<strong>${esc(v.friend.label)}</strong> <span class="mono hint">${esc(v.friend.pk)}</span>`
    : '<span class="hint">no friends on this node</span>';
  const roles = v.actors.map((a) => a.role);
  // Remove charts of actors that are gone (a friend request accepted, another friend chosen).
  for (const el of [...host.children]) if (!roles.includes(el.dataset.role)) {
    el.remove();
    chartCache.delete(el.dataset.role);
  }
  if (!v.actors.some((a) => a.role === S.selectedRole)) S.selectedRole = v.actors[0]?.role ?? 'toxid';
  for (const a of v.actors) {
    const layout = layouts.get(a.machine);
    let box = host.querySelector(`.chart[data-role="${a.role}"]`);
    if (!box) {
      box = document.createElement('div');
      box.className = `chart${a.role === 'session' ? ' primary' : ''}`;
      box.dataset.role = a.role;
      box.addEventListener('click', () => {
        S.selectedRole = box.dataset.role;
        renderCharts();
        renderDetails();
      });
      // Keep the role order stable.
      const order = ['session', 'dhtkey', 'connect', 'request', 'toxid'];
      const after = [...host.children].find((c) => order.indexOf(c.dataset.role) > order.indexOf(a.role));
      host.insertBefore(box, after ?? null);
    }
    box.classList.toggle('selected', a.role === S.selectedRole);
    const sig = JSON.stringify([a.key, a.state, a.last?.seq, a.last?.transition?.id, a.candidates.filter((c) => c.selected).map((c) => c.id), a.next?.text]);
    if (chartCache.get(a.role) === sig) continue;
    const stateChanged = chartCache.has(a.role) && JSON.parse(chartCache.get(a.role))[1] !== a.state;
    const lastText = a.last
      ? `last: ${a.last.transition ? `${a.last.eventType} → ${a.last.to}` : a.last.ignored ? `ignored ${a.last.eventType}` : `created in ${a.last.to}`} (#${a.last.seq})`
      : 'no step yet';
    box.innerHTML =
      `<h3><span>${esc(ROLE_TITLES[a.role] ?? a.role)}</span><span class="sub mono">${esc(a.label)} · ${esc(a.machine)}</span>` +
      `<span class="sub">state <strong class="mono" data-testid="state">${esc(a.state)}</strong></span>` +
      `<span class="sub">${esc(lastText)}</span>${a.next ? `<span class="sub">next: ${esc(a.next.text)}</span>` : ''}</h3>` +
      chartSvg(a.machine, layout, a, a.role);
    // Remembered only once drawn: a chart that failed to draw is tried again on the next view.
    chartCache.set(a.role, sig);
    // Keep the session's active state in sight when it changes (not on every redraw: the user may be reading elsewhere).
    if (a.role === 'session' && (stateChanged || !box.dataset.shown)) {
      box.dataset.shown = 'true';
      box.querySelector('g.state[data-active=true]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  }
}

// ---- details: context, next deadline, candidates ------------------------------------------------

function renderDetails() {
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
    `<h4>State</h4><div class="mono">${esc(a.state)}</div>` +
    `<h4>Next deadline</h4><div>${a.next ? esc(a.next.text) : '<span class="hint">none</span>'}</div>` +
    `<h4>Candidate transitions at ${secs(v.t)}</h4><table><tr><th>event → target</th><th>guard</th><th>verdict</th></tr>${cands}</table>` +
    `<p class="hint">tick guards are evaluated on the context with a tick at this time; other events carry fields the guard reads.</p>` +
    `<h4>Last step</h4>${last}` +
    `<h4>Context</h4><table class="kv">${ctx}</table>`;
}

// ---- friend list (virtualised) --------------------------------------------------------------------

let friendsReq = 0;
async function renderFriends() {
  const list = $('friend-list');
  const first = Math.max(0, Math.floor(list.scrollTop / FRIEND_H) - 5);
  const count = Math.ceil(list.clientHeight / FRIEND_H) + 10;
  const my = ++friendsReq;
  const page = await api(`/api/actors?${qs({ node: S.node, q: S.q, state: S.stateFilter, offset: first, limit: count, seq: S.cursor })}`);
  if (my !== friendsReq) return;
  S.friendsTotal = page.total;
  $('friend-count').textContent = `${page.total} shown`;
  $('account-row').innerHTML = `<strong>account</strong> · toxid: <span class="mono">${esc(page.account.state)}</span>`;
  list.querySelector('.vspacer').style.height = `${page.total * FRIEND_H}px`;
  for (const r of [...list.querySelectorAll('.frow')]) r.remove();
  const frag = document.createDocumentFragment();
  page.rows.forEach((row, i) => {
    const d = document.createElement('div');
    d.className = `frow${row.friend === S.friend ? ' selected' : ''}`;
    d.style.top = `${(first + i) * FRIEND_H}px`;
    d.dataset.friend = row.friend;
    d.title = row.friend;
    d.innerHTML =
      `<div><span class="name">${esc(row.label)}</span> <span class="prog ${esc(row.progress)}">${esc(row.progress)}</span></div>` +
      `<div class="tasks mono">dhtkey ${esc(leaf(row.dhtkey))} · connect ${esc(leaf(row.connect))}${row.request ? ` · request ${esc(leaf(row.request))}` : ''}</div>`;
    d.addEventListener('click', () => selectFriend(row.friend));
    frag.appendChild(d);
  });
  list.appendChild(frag);
}

function selectFriend(pk) {
  S.friend = pk;
  for (const r of document.querySelectorAll('.frow')) r.classList.toggle('selected', r.dataset.friend === pk);
  S.selectedRole = 'session';
  refresh({ friends: false });
}

// ---- timeline (virtualised, paged from the server) ---------------------------------------------------

let timelineReq = 0;
async function renderTimeline() {
  const tl = $('timeline');
  const info = S.info.nodes[S.node];
  const friend = S.onlyFriend ? S.friend : null;
  // Total first (cheap), so the spacer and the scroll position are right before the rows arrive.
  const my = ++timelineReq;
  const probe = await api(`/api/journal?${qs({ node: S.node, friend, offset: 0, limit: 0 })}`);
  if (my !== timelineReq) return;
  S.timelineTotal = probe.total;
  tl.querySelector('.vspacer').style.height = `${probe.total * ROW_H}px`;
  if (S.followTimeline && S.cursor === null) tl.scrollTop = tl.scrollHeight;
  const first = Math.max(0, Math.floor(tl.scrollTop / ROW_H) - 10);
  const count = Math.ceil(tl.clientHeight / ROW_H) + 20;
  const page = await api(`/api/journal?${qs({ node: S.node, friend, offset: first, limit: count })}`);
  if (my !== timelineReq) return;
  for (const r of [...tl.querySelectorAll('.trow')]) r.remove();
  const frag = document.createDocumentFragment();
  const cursorSeq = S.view ? S.view.seq : info.lastSeq;
  page.rows.forEach((row, i) => {
    const d = document.createElement('div');
    d.className = `trow${row.ignored ? ' ignored' : ''}${row.seq === cursorSeq ? ' cursor' : ''}`;
    d.style.top = `${(first + i) * ROW_H}px`;
    d.dataset.seq = row.seq;
    const tr = !row.transition
      ? row.ignored
        ? `${esc(row.from)} (ignored)`
        : `created in ${esc(row.to)}`
      : `${esc(row.transition.source || row.from)} → ${esc(row.transition.targets.join(', ') || '(stays)')}${row.transition.guard ? ` <span class="guard">[${esc(row.transition.guard)}]</span>` : ''}`;
    d.innerHTML =
      `<span>#${row.seq}</span><span>${(row.t / 1000).toFixed(3)}</span><span title="${esc(row.actor)}">${esc(row.actorLabel)}</span>` +
      `<span title="${esc(row.event)}">${esc(row.event)}</span><span title="${esc(row.transition?.description ?? 'the state ignored this event')}">${tr}</span>` +
      `<span class="out" title="${esc(row.outputs.join('\n'))}">${esc(row.outputs.join(', '))}</span><span title="${esc(row.next?.text ?? '')}">${esc(row.next?.text ?? '')}</span>`;
    d.addEventListener('click', () => setCursor(row.seq));
    frag.appendChild(d);
  });
  tl.appendChild(frag);
}

// ---- time travel -------------------------------------------------------------------------------------

function setCursor(seq) {
  const n = S.info.nodes[S.node];
  if (seq !== null && seq >= n.lastSeq && S.info.mode === 'live') seq = null;
  S.cursor = seq === null ? null : Math.max(n.firstSeq - 1, Math.min(n.lastSeq, seq));
  S.followTimeline = S.cursor === null;
  refresh({ scrollToCursor: true });
}

async function moveCursor(delta) {
  const n = S.info.nodes[S.node];
  const at = S.cursor ?? n.lastSeq;
  if (!S.onlyFriend || !S.friend) return setCursor(at + delta);
  // Within one friend's entries: index is the last of them at or before the cursor.
  const { index } = await api(`/api/journal/index?${qs({ node: S.node, seq: at, friend: S.friend })}`);
  let target;
  if (delta > 0) target = index + 1;
  else target = index >= 0 && (await rowAt(index)) === at ? index - 1 : index;
  if (target < 0) return setCursor(n.firstSeq - 1);
  const seq = await rowAt(target);
  if (seq !== null) setCursor(seq);
}

async function rowAt(index) {
  const page = await api(`/api/journal?${qs({ node: S.node, friend: S.friend, offset: index, limit: 1 })}`);
  return page.rows[0]?.seq ?? null;
}

function renderTravel() {
  const n = S.info.nodes[S.node];
  const scrub = $('scrub');
  scrub.min = String(n.firstSeq - 1);
  scrub.max = String(n.lastSeq);
  scrub.value = String(S.cursor ?? n.lastSeq);
  $('live').classList.toggle('on', S.cursor === null);
  const v = S.view;
  $('cursor-info').textContent = v
    ? `${S.cursor === null ? 'live' : 'at'} #${v.seq} of ${n.lastSeq} · t=${secs(v.t)}`
    : '';
  document.body.dataset.lastSeq = String(n.lastSeq);
}

async function scrollTimelineToCursor() {
  if (S.cursor === null) return;
  const { index } = await api(`/api/journal/index?${qs({ node: S.node, seq: S.cursor, friend: S.onlyFriend ? S.friend : null })}`);
  const tl = $('timeline');
  const y = Math.max(0, index) * ROW_H;
  if (y < tl.scrollTop || y > tl.scrollTop + tl.clientHeight - ROW_H) tl.scrollTop = Math.max(0, y - tl.clientHeight / 2);
}

// ---- header: nodes, clock, simulation controls --------------------------------------------------------

function renderHeader() {
  const info = S.info;
  $('title').textContent = info.title;
  document.title = info.title;
  $('mode').textContent = info.mode;
  $('mode').className = `badge ${info.mode}`;
  const sel = $('node');
  if (sel.options.length !== info.nodes.length) {
    sel.innerHTML = info.nodes.map((n) => `<option value="${n.index}">${esc(n.name)} (${n.friends} friend${n.friends === 1 ? '' : 's'})</option>`).join('');
  }
  sel.value = String(S.node);
  renderClock();
  const sim = info.sim;
  $('sim-controls').hidden = !sim;
  if (sim) {
    $('run').classList.toggle('on', sim.running);
    $('pause').classList.toggle('on', !sim.running);
    const sp = $('speed');
    if (!sp.options.length) {
      sp.innerHTML = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 64].map((x) => `<option value="${x}">${x}×</option>`).join('');
    }
    if (document.activeElement !== sp) sp.value = String(sim.speed);
    const c = sim.conditions;
    if (document.activeElement !== $('loss')) $('loss').value = String(Math.round(c.loss * 100));
    if (document.activeElement !== $('latency')) $('latency').value = String(c.latencyMs);
    if (document.activeElement !== $('jitter')) $('jitter').value = String(c.jitterMs);
  }
}

function renderClock() {
  const sim = S.info.sim;
  const next = sim && sim.nextEventAt !== null ? ` · next event in ${((sim.nextEventAt - S.info.now) / 1000).toFixed(3)} s` : '';
  $('clock').textContent = `t = ${secs(S.info.now)}${sim ? (sim.running ? ' · running' : ' · paused') : ''}${next}`;
}

// ---- refresh cycle -------------------------------------------------------------------------------------

let refreshing = false;
let again = null;
async function refresh(opts = {}) {
  if (refreshing) {
    again = { ...(again ?? {}), ...opts };
    return;
  }
  refreshing = true;
  try {
    S.info = await api('/api/info');
    renderHeader();
    const n = S.info.nodes[S.node];
    if (S.cursor !== null && S.cursor > n.lastSeq) S.cursor = n.lastSeq;
    S.view = await api(`/api/view?${qs({ node: S.node, friend: S.friend, seq: S.cursor })}`);
    if (!S.friend && S.view.friend) S.friend = S.view.friend.pk;
    renderTravel();
    await renderCharts();
    renderDetails();
    // Set once the charts show this position (tests and tools wait for it).
    document.body.dataset.viewSeq = String(S.view.seq);
    if (opts.friends !== false) await renderFriends();
    if (opts.scrollToCursor) await scrollTimelineToCursor();
    await renderTimeline();
    $('conn').textContent = '';
  } catch (e) {
    $('conn').textContent = `error: ${e.message}`;
  } finally {
    refreshing = false;
    if (again) {
      const o = again;
      again = null;
      refresh(o);
    }
  }
}

// ---- wiring -----------------------------------------------------------------------------------------

function debounce(fn, ms) {
  let t = null;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

function wire() {
  $('node').addEventListener('change', (e) => {
    S.node = Number(e.target.value);
    S.friend = null;
    S.cursor = null;
    S.followTimeline = true;
    $('friend-list').scrollTop = 0;
    refresh();
  });
  const sim = (path, body) => api(`/api/sim/${path}`, body ?? {}).then(() => refresh(), (e) => ($('conn').textContent = `error: ${e.message}`));
  $('run').addEventListener('click', () => sim('run'));
  $('pause').addEventListener('click', () => sim('pause'));
  $('step').addEventListener('click', () => {
    S.cursor = null;
    S.followTimeline = true;
    sim('step', { node: S.node });
  });
  $('speed').addEventListener('change', (e) => sim('speed', { speed: Number(e.target.value) }));
  $('loss').addEventListener('change', (e) => sim('conditions', { loss: Math.min(100, Math.max(0, Number(e.target.value))) / 100 }));
  $('latency').addEventListener('change', (e) => sim('conditions', { latencyMs: Math.max(0, Number(e.target.value)) }));
  $('jitter').addEventListener('change', (e) => sim('conditions', { jitterMs: Math.max(0, Number(e.target.value)) }));

  $('filter').addEventListener(
    'input',
    debounce((e) => {
      S.q = e.target.value;
      $('friend-list').scrollTop = 0;
      renderFriends();
    }, 150),
  );
  $('state-filter').addEventListener('change', (e) => {
    S.stateFilter = e.target.value;
    $('friend-list').scrollTop = 0;
    renderFriends();
  });
  $('friend-list').addEventListener('scroll', debounce(renderFriends, 30));
  $('account-row').addEventListener('click', () => {
    S.selectedRole = 'toxid';
    renderCharts();
    renderDetails();
  });

  const tl = $('timeline');
  tl.addEventListener(
    'scroll',
    debounce(() => {
      S.followTimeline = S.cursor === null && tl.scrollTop + tl.clientHeight >= tl.scrollHeight - ROW_H * 2;
      renderTimeline();
    }, 30),
  );
  // Read the slider at once (a live update may move it within the debounce) and stop following
  // the present right away; only the refresh is debounced.
  const scrubRefresh = debounce((seq) => setCursor(seq), 40);
  $('scrub').addEventListener('input', (e) => {
    const seq = Number(e.target.value);
    S.cursor = seq;
    S.followTimeline = false;
    scrubRefresh(seq);
  });
  $('first').addEventListener('click', () => setCursor(S.info.nodes[S.node].firstSeq - 1));
  $('back').addEventListener('click', () => moveCursor(-1));
  $('fwd').addEventListener('click', () => moveCursor(1));
  $('live').addEventListener('click', () => setCursor(null));
  $('only-friend').addEventListener('change', (e) => {
    S.onlyFriend = e.target.checked;
    refresh({ scrollToCursor: true });
  });
  document.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement && e.target.type !== 'range') return;
    if (e.key === 'ArrowLeft') moveCursor(-1);
    else if (e.key === 'ArrowRight') moveCursor(1);
  });
}

function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(TOKEN)}`);
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type !== 'changed' || !S.info) return;
    S.info.now = msg.now;
    if (msg.sim) S.info.sim = msg.sim;
    msg.nodes.forEach((n, i) => Object.assign(S.info.nodes[i], n));
    renderClock();
    if (S.cursor === null) refresh({ friends: true });
    else renderTravel();
  };
  ws.onopen = () => ($('conn').textContent = '');
  ws.onclose = () => {
    $('conn').textContent = 'disconnected — retrying';
    $('conn').className = 'hint down';
    setTimeout(connect, 1000);
  };
}

async function main() {
  S.charts = await api('/api/charts');
  S.info = await api('/api/info');
  S.node = S.info.defaultNode;
  const sf = $('state-filter');
  for (const st of S.info.progressStates) sf.insertAdjacentHTML('beforeend', `<option value="${st}">${st}</option>`);
  wire();
  await refresh();
  document.body.dataset.ready = 'true';
  connect();
}

main().catch((e) => {
  document.body.insertAdjacentHTML('afterbegin', `<pre style="color:red">${esc(e.stack ?? e)}</pre>`);
});
