/**
 * A capture's reconstruction as an inspector recording (inspector/recording.ts, recording-model.ts):
 * the monitor's steps become one timeline in time order, each direction a friendSession instance and
 * each toxid: task a toxidAnnounce one
 * whose state at any seq is its snapshot after its last step, violations are marked on their step
 * (or, for an output that never came, on an entry of their own) with the edge the model expected,
 * and the model answers the page's endpoints — over the golden c-toxcore capture and doctored copies
 * (test/conformance/doctor.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCapture, type CheckReport } from '../../conformance/monitor/check.js';
import type { CapturedDatagram } from '../../conformance/monitor/identify.js';
import type { DissectProfile } from '../../protocol/dissect/index.js';
import { buildRecording, instanceStateAt, recordingTarget, type Recording } from '../../inspector/recording.js';
import { RecordingModel } from '../../inspector/recording-model.js';
import { startInspector } from '../../inspector/server.js';
import { ALICE_ADDRESS, ALICE_TOX, BOB_ADDRESS, BOB_TOX, between, GOLDEN_PCAP, keyProfile, kindOf, pkOf, readDatagrams, without, withExtra } from '../conformance/doctor.js';
import { testCrypto } from './helpers.js';

let golden: CapturedDatagram[];
let alice: DissectProfile;
let bob: DissectProfile;
const check = async (list: readonly CapturedDatagram[]): Promise<CheckReport> => checkCapture(list, [alice, bob], await testCrypto());
const EXPECTED_EDGE = 'AcquiringCookie|packet.cookieResponse|0';

beforeAll(async () => {
  golden = await readDatagrams(GOLDEN_PCAP);
  alice = await keyProfile(ALICE_TOX);
  bob = await keyProfile(BOB_TOX);
});

/** A copy with no cookie response: Alice's handshake breaks st.cookie-response (monitor.test.ts). */
const noCookieResponse = (): CapturedDatagram[] => without(golden, (d) => kindOf(d) === 'cookie_response');

describe('buildRecording', () => {
  it('merges every instance\'s steps into one timeline in time order, each instance in its own order', async () => {
    const report = await check(golden);
    const rec = buildRecording(report, 'golden.pcap');
    const dirs = report.pairs[0]!.directions;
    // The pair's two friend sessions, then each profile's toxid: task, all in one group.
    expect(rec.instances.map((d) => [d.machine, d.label, d.group])).toEqual([
      ...dirs.map((d) => ['friendSession', `friendSession ${d.observer.slice(0, 8)}→${d.friend.slice(0, 8)}`, 0]),
      ...report.tasks.map((t) => ['toxidAnnounce', `toxidAnnounce toxid:${t.observer.slice(0, 8)}`, 0]),
    ]);
    expect(report.tasks.length).toBeGreaterThan(0);
    expect(rec.instances[0]!.label).toBe(`friendSession ${pkOf(alice).slice(0, 8)}→${pkOf(bob).slice(0, 8)}`);
    expect(rec.instances[0]!.observerProfile).toBe('ctoxcore-0.2.18-alice.tox');
    const stepCount = [...dirs, ...report.tasks].reduce((n, x) => n + x.steps.length, 0);
    const taskFindings = report.tasks.flatMap((t) => t.findings);
    // Every step is an entry; a finding no step carries adds one.
    expect(rec.entries.filter((e) => !e.missed)).toHaveLength(stepCount);
    expect(rec.entries.map((e) => e.seq)).toEqual(rec.entries.map((_, i) => i + 1));
    for (let i = 1; i < rec.entries.length; i++) expect(rec.entries[i]!.t).toBeGreaterThanOrEqual(rec.entries[i - 1]!.t);
    dirs.forEach((d, i) => {
      const mine = rec.entries.filter((e) => e.instance === i);
      expect(rec.instances[i]!.seqs).toEqual(mine.map((e) => e.seq));
      expect(mine.map((e) => [e.frame, e.what, e.from, e.to, e.transitions, e.verdict, e.inferred, e.note])).toEqual(d.steps.map((s) => [s.n, s.what, s.from, s.to, s.transitions, s.verdict, s.inferred, s.note]));
    });
    report.tasks.forEach((task, k) => {
      const mine = rec.entries.filter((e) => e.instance === dirs.length + k && !e.missed);
      expect(mine.map((e) => [e.machine, e.frame, e.what, e.from, e.to, e.transitions])).toEqual(task.steps.map((s) => ['toxidAnnounce', s.n, s.what, s.from, s.to, s.transition === null ? [] : [s.transition]]));
    });
    // The golden sessions are clean; the tasks' findings (c-toxcore's announce start delay) are on their steps.
    expect(rec.entries.filter((e) => e.machine === 'friendSession').some((e) => e.findings.length > 0 || e.expected.length > 0)).toBe(false);
    expect(rec.entries.flatMap((e) => e.findings.map((f) => [f.kind, f.rule]))).toEqual(taskFindings.map((f) => [f.kind, f.rule]));
    for (const e of rec.entries.filter((x) => x.findings.length > 0)) {
      expect(e.verdict).toBe(e.findings[0]!.kind);
      expect(e.expected).toEqual(e.findings.flatMap((f) => (f.transition ? [f.transition] : [])));
    }
    expect(rec.summary).toMatchObject({ pairs: 1, tasks: report.tasks.length, violations: 0, otherFindings: 0, datagrams: golden.length });
    expect(rec.summary.deviations).toBe(taskFindings.filter((f) => f.kind === 'deviation').length);
  });

  it('gives each instance its snapshot after its last step at any seq, its initial state before its first', async () => {
    const report = await check(golden);
    const rec = buildRecording(report, 'golden.pcap');
    const all = [...report.pairs[0]!.directions.map((d) => d.steps.map((s) => s.snapshot)), ...report.tasks.map((t) => t.steps.map((s) => s.snapshot))];
    rec.instances.forEach((d, i) => {
      const initial = d.machine === 'friendSession' ? 'AwaitingDHTKey' : 'Offline';
      expect(instanceStateAt(rec, i, 0)).toMatchObject({ value: initial, last: null });
      expect(instanceStateAt(rec, i, d.seqs[0]! - 1).value).toBe(initial);
      const steps = rec.entries.filter((e) => e.instance === i);
      expect(steps.filter((e) => !e.missed)).toHaveLength(all[i]!.length);
      let k = 0;
      d.seqs.forEach((seq, j) => {
        const e = rec.entries[seq - 1]!;
        const snap = e.missed ? (k > 0 ? all[i]![k - 1]! : null) : all[i]![k++]!;
        // At its own step and up to (not including) its next one, the snapshot of that step.
        const until = d.seqs[j + 1] ?? rec.entries.length + 1;
        for (const at of [seq, until - 1]) {
          const s = instanceStateAt(rec, i, at);
          if (snap) {
            expect(s.value).toEqual(snap.value);
            expect(s.context).toEqual(snap.context);
          }
          expect(s.last!.seq).toBe(seq);
        }
      });
    });
    // The golden pair ends with Bob Established and Alice reconnecting (monitor.test.ts).
    expect(rec.instances.slice(0, 2).map((_, i) => instanceStateAt(rec, i, rec.entries.length).value)).toEqual(['AcquiringCookie', 'Established']);
  });

  it('marks a violation on the step it was found at, with the edge the model expected', async () => {
    const rec = buildRecording(await check(noCookieResponse()), 'doctored.pcap');
    const handshake = golden.find((d) => kindOf(d) === 'handshake' && between(d, ALICE_ADDRESS, BOB_ADDRESS))!;
    const marked = rec.entries.filter((e) => e.machine === 'friendSession' && e.findings.length > 0);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({ instance: 0, frame: handshake.n, what: 'sent handshake', verdict: 'violation', missed: false, expected: [EXPECTED_EDGE] });
    expect(marked[0]!.findings).toEqual([expect.objectContaining({ kind: 'violation', rule: 'st.cookie-response', packets: [handshake.n], transition: EXPECTED_EDGE })]);
    expect(rec.instances.map((d) => d.violations)).toEqual([1, 0, 0, 0]);
    expect(rec.summary.violations).toBe(1);
  });

  it('gives an output that never came an entry of its own at the finding\'s time, the state unchanged', async () => {
    // Alice's handshake re-sent nine times, nothing else of the session: Bob never answers (st.new-connection).
    const handshake = golden.find((d) => kindOf(d) === 'handshake' && between(d, ALICE_ADDRESS, BOB_ADDRESS))!;
    const cut = without(golden, (d) => d.t > handshake.t && ['cookie_request', 'cookie_response', 'handshake', 'crypto_data'].includes(kindOf(d)));
    const report = await check(withExtra(cut, Array.from({ length: 9 }, (_, i) => ({ ...handshake, t: handshake.t + (i + 1) * 1000 }))));
    const rec = buildRecording(report, 'doctored.pcap');
    const bobs = report.pairs[0]!.directions.find((d) => d.observer === pkOf(bob))!.findings[0]!;
    const missed = rec.entries.filter((e) => e.missed);
    expect(missed).toHaveLength(1);
    const m = missed[0]!;
    expect(m).toMatchObject({ frame: null, t: bobs.t, verdict: 'violation', transitions: [], note: bobs.observed, expected: bobs.transition ? [bobs.transition] : [] });
    expect(m.what).toBe(`missed: ${bobs.expected}`);
    expect(rec.instances[m.instance]!.observer).toBe(pkOf(bob));
    // Its state is its session's state just before.
    const before = instanceStateAt(rec, m.instance, m.seq - 1);
    expect([m.from, m.to, m.value]).toEqual([before.value, before.value, before.value]);
    // Every finding is on exactly one entry; Alice's nc.max-tries on her ninth copy.
    expect(rec.entries.flatMap((e) => e.findings.map((f) => f.rule)).sort()).toEqual(report.findings.map((f) => f.rule).sort());
    expect(rec.entries.find((e) => e.findings.some((f) => f.rule === 'nc.max-tries'))).toMatchObject({ missed: false, verdict: 'violation', what: 'sent handshake' });
  });
});

describe('RecordingModel (what the page asks for)', () => {
  let rec: Recording;
  let model: RecordingModel;
  beforeAll(async () => {
    rec = buildRecording(await check(noCookieResponse()), '/tmp/doctored.pcap');
    model = new RecordingModel(rec, 'test');
  });

  it('info: the recording mode, one node whose timeline is the steps, no simulation, start at the first step', () => {
    const info = model.info();
    expect(info).toMatchObject({ mode: 'recording', sim: null, defaultNode: 0, recording: { startSeq: 1, source: '/tmp/doctored.pcap' } });
    // Two friend sessions and each profile's toxid: task.
    expect(rec.instances.map((i) => i.machine)).toEqual(['friendSession', 'friendSession', 'toxidAnnounce', 'toxidAnnounce']);
    expect(info.nodes).toEqual([expect.objectContaining({ name: 'doctored.pcap', firstSeq: 1, lastSeq: rec.entries.length, friends: 4 })]);
  });

  it('journal: one row per entry with frame, verdict and findings; a one-machine filter and indexes', () => {
    const page = model.journal(0, { offset: 0, limit: 1000 });
    expect(page.total).toBe(rec.entries.length);
    const bad = page.rows.filter((r) => r.verdict === 'violation');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ findings: [expect.objectContaining({ rule: 'st.cookie-response' })], expected: [EXPECTED_EDGE], what: 'sent handshake', event: `frame ${bad[0]!.frame}: sent handshake` });
    const first = page.rows.find((r) => r.machine === 'friendSession')!;
    expect(first).toMatchObject({ seq: rec.instances[0]!.seqs[0], verdict: 'inferred', taken: ['AwaitingDHTKey|dhtKey.learned|0', 'AcquiringIPAddress|address.learned|0'] });
    expect(first.transition!.id).toBe('AcquiringIPAddress|address.learned|0');
    const bobs = rec.instances[1]!;
    const only = model.journal(0, { friend: bobs.id, limit: 1000 });
    expect(only.rows.map((r) => r.seq)).toEqual(bobs.seqs);
    expect(model.journalIndexOf(0, bobs.seqs[2]! + 0, bobs.id)).toBe(2);
    expect(model.journalIndexOf(0, 5)).toBe(4);
    expect(() => model.journal(0, { friend: 'nope' })).toThrow(RangeError);
  });

  it('view: the selected instance and the rest of its group at a seq, with taken transitions and the expected edge', () => {
    const violation = rec.entries.find((e) => e.verdict === 'violation')!;
    const v = model.view(0, { seq: violation.seq });
    expect(v.cursor).toMatchObject({ seq: violation.seq, verdict: 'violation' });
    const [a2b, b2a, task1, task2] = rec.instances.map((i) => i.id);
    expect(v.actors.map((a) => [a.role, a.key, a.machine])).toEqual([
      ['session', a2b, 'friendSession'],
      ['member-1', b2a, 'friendSession'],
      ['member-2', task1, 'toxidAnnounce'],
      ['member-3', task2, 'toxidAnnounce'],
    ]);
    expect(v.actors[2]!.facts).toBeNull();
    expect(v.actors[0]).toMatchObject({ state: 'AcquiringCookie', expected: [EXPECTED_EDGE], taken: [], label: rec.instances[0]!.label });
    expect(v.actors[0]!.facts!.map((f) => f.present)).toEqual([true, true]);
    // One step later Alice's chart has moved on: no expected edge; the step before shows its two transitions.
    const alices = rec.instances[0]!.seqs;
    expect(model.view(0, { seq: alices[alices.indexOf(violation.seq) - 1]! }).actors[0]!.taken).toEqual(['AwaitingDHTKey|dhtKey.learned|0', 'AcquiringIPAddress|address.learned|0']);
    // Before the first step: both initial.
    expect(model.view(0, { seq: 0 }).actors.map((a) => a.state)).toEqual(['AwaitingDHTKey', 'AwaitingDHTKey', 'Offline', 'Offline']);
    // Selecting another instance puts it first; following the cursor within its group keeps it.
    const other = model.view(0, { seq: violation.seq, friend: b2a!, follow: true });
    expect(other.actors.map((a) => a.key)).toEqual([b2a, a2b, task1, task2]);
    expect(model.view(0, { seq: violation.seq, friend: task2!.toLowerCase(), follow: true }).actors[0]).toMatchObject({ key: task2, machine: 'toxidAnnounce', state: 'Announced' });
    // With nothing selected, the cursor's group and its first session (even on a task's step).
    expect(model.view(0, { seq: rec.instances[2]!.seqs[0]! }).actors[0]!.key).toBe(a2b);
  });

  it('actors: the monitored machines with their state at a seq, filtered by state and text', () => {
    const at0 = model.actors(0, { seq: 0 });
    expect(at0.rows.map((r) => r.progress)).toEqual(['AwaitingDHTKey', 'AwaitingDHTKey', 'Offline', 'Offline']);
    expect(at0.rows[0]!.note).toMatch(/steps · 1 violation$/);
    expect(at0.summary).toMatch(/1 pair, 2 toxid: tasks, 1 violation, \d+ deviations?, tolerance ±1500 ms/);
    const end = model.actors(0, {});
    expect(model.actors(0, { state: end.rows[1]!.progress }).rows.map((r) => r.friend)).toContain(rec.instances[1]!.id);
    const alicesTask = rec.instances.find((i) => i.machine === 'toxidAnnounce' && i.observer === pkOf(alice))!;
    expect(model.actors(0, { q: 'alice' }).rows.map((r) => r.friend)).toEqual([rec.instances[0]!.id, alicesTask.id]);
  });

  it('is served through the inspector\'s endpoints; the simulation and Stately stream are refused', async () => {
    const ins = await startInspector(recordingTarget(await check(noCookieResponse()), 'doctored.pcap'), { port: 0 });
    try {
      const auth = { authorization: `Bearer ${ins.token}` };
      const info = (await (await fetch(new URL('/api/info', ins.url), { headers: auth })).json()) as { mode: string };
      expect(info.mode).toBe('recording');
      const journal = (await (await fetch(new URL('/api/journal?limit=1000', ins.url), { headers: auth })).json()) as { rows: Array<{ seq: number; verdict: string }> };
      const seq = journal.rows.find((r) => r.verdict === 'violation')!.seq;
      const view = (await (await fetch(new URL(`/api/view?seq=${seq}&follow=1`, ins.url), { headers: auth })).json()) as { cursor: { verdict: string } };
      expect(view.cursor.verdict).toBe('violation');
      const sim = await fetch(new URL('/api/sim/run', ins.url), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
      expect(sim.status).toBe(409);
      expect((await fetch(new URL('/recording.js', ins.url))).status).toBe(200);
      expect((await fetch(new URL('/api/info', ins.url))).status).toBe(401);
    } finally {
      await ins.close();
    }
  });
});
