// toxstate inspector page: the friend list and the journal timeline (both virtualised, paged
// from the server) and time travel (the cursor: live, or a seq of the selected node's journal).
import { $, api, esc, leaf, qs, refresh, S, secs } from './common.js';
import { isRecording, recordingRow } from './recording.js';

export const ROW_H = 22; // timeline row height (px), fixed: the list is virtualised
const FRIEND_H = 40; // friend row height (px)

// ---- friend list (virtualised) --------------------------------------------------------------------

let friendsReq = 0;
export async function renderFriends() {
  const list = $('friend-list');
  const first = Math.max(0, Math.floor(list.scrollTop / FRIEND_H) - 5);
  const count = Math.ceil(list.clientHeight / FRIEND_H) + 10;
  const my = ++friendsReq;
  const page = await api(`/api/actors?${qs({ node: S.node, q: S.q, state: S.stateFilter, offset: first, limit: count, seq: S.cursor })}`);
  if (my !== friendsReq) return;
  S.friendsTotal = page.total;
  $('friend-count').textContent = `${page.total} shown`;
  S.account = page.account;
  const tasks = page.account.tasks?.length ? page.account.tasks : [{ role: 'tox4id', state: page.account.state }];
  $('account-row').innerHTML = page.summary !== undefined
    ? `<span class="hint">${esc(page.summary)}</span>`
    : `<strong>account</strong>${tasks.map((x) => ` · ${esc(x.role)}: <span class="mono">${esc(x.state)}</span>`).join('')}`;
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
      `<div><span class="name">${esc(row.label)}</span> <span class="prog ${esc(row.progress)}">${esc(row.progress)}</span>${row.path ? ` <span class="path mono" title="${row.path === 'relay' ? 'a TCP relay of ours reaches this friend' : row.path === 'tcp' ? 'the session travels through a TCP relay' : 'the session travels directly over UDP'}">${esc(row.path)}</span>` : ''}</div>` +
      (row.note !== undefined ? `<div class="tasks${row.violations ? ' has-violation' : ''}">${esc(row.note)}</div>` :
      `<div class="tasks mono">dhtkey ${esc(leaf(row.dhtkey))} · connect ${esc(leaf(row.connect))}${row.request ? ` · request ${esc(leaf(row.request))}` : ''}${row.policy && row.policy !== 'TryingToConnect' ? ` · policy ${esc(row.policy)}` : ''}</div>`);
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
export async function renderTimeline() {
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
    if (row.verdict !== undefined) {
      const r = recordingRow(row, cursorSeq);
      d.className = r.cls;
      d.dataset.verdict = row.verdict;
      d.innerHTML = r.html;
      d.addEventListener('click', () => setCursor(row.seq));
      frag.appendChild(d);
      return;
    }
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

export function setCursor(seq) {
  const n = S.info.nodes[S.node];
  if (seq !== null && seq >= n.lastSeq && S.info.mode === 'live') seq = null;
  // A recording has no present to follow: "last" is its last step, and the charts follow the cursor.
  if (isRecording()) {
    if (seq === null) seq = n.lastSeq;
    S.followStep = true;
  }
  S.cursor = seq === null ? null : Math.max(n.firstSeq - 1, Math.min(n.lastSeq, seq));
  S.followTimeline = S.cursor === null;
  refresh({ scrollToCursor: true });
}

export async function moveCursor(delta) {
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

export function renderTravel() {
  const n = S.info.nodes[S.node];
  const scrub = $('scrub');
  scrub.min = String(n.firstSeq - 1);
  scrub.max = String(n.lastSeq);
  scrub.value = String(S.cursor ?? n.lastSeq);
  $('live').classList.toggle('on', S.cursor === null);
  const v = S.view;
  $('cursor-info').textContent = !v
    ? ''
    : isRecording()
      ? `step #${v.seq} of ${n.lastSeq} · t=${secs(v.t)}${v.cursor?.frame != null ? ` · frame ${v.cursor.frame}` : ''}`
      : `${S.cursor === null ? 'live' : 'at'} #${v.seq} of ${n.lastSeq} · t=${secs(v.t)}`;
  document.body.dataset.lastSeq = String(n.lastSeq);
}

export async function scrollTimelineToCursor() {
  if (S.cursor === null) return;
  const { index } = await api(`/api/journal/index?${qs({ node: S.node, seq: S.cursor, friend: S.onlyFriend ? S.friend : null })}`);
  const tl = $('timeline');
  const y = Math.max(0, index) * ROW_H;
  if (y < tl.scrollTop || y > tl.scrollTop + tl.clientHeight - ROW_H) tl.scrollTop = Math.max(0, y - tl.clientHeight / 2);
}
