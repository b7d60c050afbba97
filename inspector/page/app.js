// toxstate inspector page: the entry point (index.html loads it as a module) — the header, the
// refresh cycle, the wiring of the controls, the change stream. Shared state and the API client
// are in common.js, the charts and details in view.js, the friend list, timeline and time travel
// in lists.js.
import { $, api, esc, qs, S, secs, setRefresh, TOKEN } from './common.js';
import { moveCursor, renderFriends, renderTimeline, renderTravel, ROW_H, scrollTimelineToCursor, setCursor } from './lists.js';
import { isRecording, setupRecording } from './recording.js';
import { renderCharts, renderDetails, wireCharts, zoomBy } from './view.js';

// ---- header: nodes, clock, simulation controls --------------------------------------------------------

function renderHeader() {
  const info = S.info;
  $('title').textContent = info.title;
  document.title = info.title;
  $('mode').textContent = info.mode;
  $('mode').className = `badge ${info.mode}`;
  const sel = $('node');
  if (sel.options.length !== info.nodes.length) {
    sel.innerHTML = info.nodes.map((n) => `<option value="${n.index}">${esc(n.name)} (${n.friends} ${isRecording() ? 'machine' : 'friend'}${n.friends === 1 ? '' : 's'})</option>`).join('');
  }
  sel.value = String(S.node);
  renderClock();
  const sim = info.sim;
  $('sim-controls').hidden = !sim;
  if (sim) {
    $('run').classList.toggle('on', sim.running);
    $('pause').classList.toggle('on', !sim.running);
    $('restart').hidden = !info.restartable;
    document.body.dataset.running = String(sim.running);
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
  const state = !sim ? '' : sim.running ? ' · running' : S.info.now === 0 ? ' · paused at the start: Run or Step' : ' · paused';
  $('clock').textContent = `t = ${secs(S.info.now)}${state}${next}`;
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
    // A recording follows the cursor: a step of another group (pair) selects that group (follow=1).
    const follow = isRecording() && S.followStep ? 1 : null;
    S.followStep = false;
    S.view = await api(`/api/view?${qs({ node: S.node, friend: S.friend, seq: S.cursor, follow })}`);
    if (S.view.friend && (!S.friend || isRecording())) S.friend = S.view.friend.pk;
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

setRefresh(refresh);

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
  // Restart: the server rebuilds the network from its seed at t = 0; the page starts over with it.
  $('restart').addEventListener('click', () =>
    api('/api/sim/restart', {}).then(
      (r) => startOver(r.epoch),
      (e) => ($('conn').textContent = `error: ${e.message}`),
    ),
  );
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
    S.selectedRole = S.account?.tasks?.[0]?.role ?? 'tox4id';
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
  // ← → step through the timeline, + − 0 zoom the chart; not while typing or choosing.
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if ((t instanceof HTMLInputElement && t.type !== 'range' && t.type !== 'checkbox') || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement || t?.isContentEditable) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const keys = { ArrowLeft: () => moveCursor(-1), ArrowRight: () => moveCursor(1), '+': () => zoomBy(1), '=': () => zoomBy(1), '-': () => zoomBy(-1), '0': () => zoomBy(0) };
    const act = keys[e.key];
    if (!act) return;
    e.preventDefault(); // the slider would move a second time
    act();
  });
  wireCharts();
}

/** After a Restart (ours or another page's): the present of the new network, from the start. */
function startOver(epoch) {
  if (S.info) S.info.epoch = epoch;
  S.cursor = null;
  S.followTimeline = true;
  refresh({ scrollToCursor: false });
}

function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(TOKEN)}`);
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type !== 'changed' || !S.info) return;
    if (msg.epoch !== undefined && msg.epoch !== S.info.epoch) return startOver(msg.epoch);
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
  if (isRecording()) setupRecording();
  const sf = $('state-filter');
  for (const st of S.info.progressStates) sf.insertAdjacentHTML('beforeend', `<option value="${st}">${st}</option>`);
  wire();
  await refresh({ scrollToCursor: isRecording() });
  document.body.dataset.ready = 'true';
  connect();
}

main().catch((e) => {
  document.body.insertAdjacentHTML('afterbegin', `<pre style="color:red">${esc(e.stack ?? e)}</pre>`);
});
