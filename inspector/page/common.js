// toxstate inspector page, shared pieces: the page state, the API client and small helpers.
// Plain ES modules, no build step, no external resources: the page talks to the inspector's own
// server (inspector/server.ts, which serves every module of inspector/page/ from a fixed map) and
// lays charts out with the elkjs bundle the server serves from node_modules. app.js starts it;
// view.js draws the charts and details, lists.js the friend list, the timeline and time travel.
//
// State shown is always "the selected node at a journal position": live (follow the present)
// or a seq chosen with the slider, the step buttons or a click on the timeline.

export const $ = (id) => document.getElementById(id);
export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
export const leaf = (state) => String(state).split('.').pop();
export const secs = (ms) => `${(ms / 1000).toFixed(3)} s`;

export const S = {
  info: null,
  charts: null,
  layouts: new Map(), // machine name → ELK result
  node: 0,
  friend: null,
  cursor: null, // null = live, else a seq
  onlyFriend: false,
  selectedRole: 'session',
  allLabels: false, // draw every chart in full (view.js; otherwise big machines are drawn compact)
  view: null,
  q: '',
  stateFilter: '',
  followTimeline: true,
  followStep: false, // recording mode: the next view may select the session of the step at the cursor
  timelineTotal: 0,
  friendsTotal: 0,
  account: null, // the friends page's account: its announce tasks (tox4id, tox6id)
};

// The access token: every API request and stream carries it (inspector/access.ts). It arrives in
// the fragment of the URL toxstate prints (…/#token=…), which no browser sends to a server or
// puts in a Referer; it is kept for this tab in sessionStorage (reloads) and taken off the
// address bar.
export const TOKEN = (() => {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem('toxstate-token', fromUrl);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return fromUrl || sessionStorage.getItem('toxstate-token') || '';
})();

export async function api(path, body) {
  const headers = { authorization: `Bearer ${TOKEN}` };
  const init = body === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const r = await fetch(path, init);
  if (r.status === 401) throw new Error('this page needs its access token: open the URL toxstate printed (http://127.0.0.1:PORT/#token=…)');
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

export const qs = (o) =>
  Object.entries(o)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

// The refresh cycle (app.js) registers itself here, so the panels can ask for a refresh without
// importing app.js.
let refresher = async () => {};
export const refresh = (opts = {}) => refresher(opts);
export function setRefresh(fn) {
  refresher = fn;
}
