/**
 * The conformance monitor on real captures: the golden capture of two c-toxcore 0.2.18 peers
 * checks clean, and doctored copies — each breaking one rule the way a faulty implementation
 * would — are flagged with that rule, at that frame, and nothing else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCapture, type CheckReport } from '../../conformance/monitor/check.js';
import { jsonLines } from '../../conformance/monitor/format.js';
import { mappedTransitions, ruleOfTransition } from '../../conformance/monitor/rule-map.js';
import { identify, type CapturedDatagram } from '../../conformance/monitor/identify.js';
import { allTransitions } from '../../machines/step.js';
import { friendSession } from '../../machines/friend-session.js';
import { RULES } from '../../conformance/rules.js';
import type { DissectProfile } from '../../protocol/dissect/index.js';
import { formatIpPort } from '../../protocol/ip-port.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { ALICE_ADDRESS, ALICE_TOX, BOB_ADDRESS, BOB_TOX, between, GOLDEN_PCAP, keyProfile, kindOf, MIXED_ALICE_TOX, MIXED_BOB_TOX, MIXED_PCAP, pkOf, RESTART_ALICE_TOX, RESTART_BOB_TOX, RESTART_PCAP, readDatagrams, without, withExtra } from './doctor.js';

let crypto: Crypto;
let golden: CapturedDatagram[];
let alice: DissectProfile;
let bob: DissectProfile;

beforeAll(async () => {
  crypto = await loadCrypto();
  golden = await readDatagrams(GOLDEN_PCAP);
  alice = await keyProfile(ALICE_TOX);
  bob = await keyProfile(BOB_TOX);
});

const check = (list: readonly CapturedDatagram[], profiles = [alice, bob]): CheckReport => checkCapture(list, profiles, crypto);
const findingsOf = (r: CheckReport) => r.findings.map((f) => ({ kind: f.kind, rule: f.rule, observer: f.observer, packets: f.packets }));
/** The violations only (the golden capture's c-toxcore start-delay deviations are in every copy). */
const violationsOf = (r: CheckReport) => findingsOf(r).filter((f) => f.kind === 'violation');
const direction = (r: CheckReport, observer: DissectProfile) => r.pairs[0]!.directions.find((d) => d.observer === pkOf(observer))!;
const states = (r: CheckReport, observer: DissectProfile) => direction(r, observer).progress.map((p) => p.state);
const SESSION_KINDS = ['cookie_request', 'cookie_response', 'handshake', 'crypto_data'];

describe('the golden c-toxcore 0.2.18 pair', () => {
  it('checks clean, and each side reaches Established when its events say it came online', () => {
    const r = check(golden);
    // No violation; each peer's c-toxcore start delay (announcing 2.5 s after it had DHT nodes) is a documented deviation.
    expect(findingsOf(r)).toEqual([
      { kind: 'deviation', rule: 'onion.start-delay', observer: pkOf(bob), packets: [expect.any(Number)] },
      { kind: 'deviation', rule: 'onion.start-delay', observer: pkOf(alice), packets: [expect.any(Number)] },
    ]);
    expect(r.pairs).toHaveLength(1);
    expect(r.peers.map((p) => [p.pk, p.addresses]).sort()).toEqual([[pkOf(alice), [ALICE_ADDRESS]], [pkOf(bob), [BOB_ADDRESS]]].sort());
    // Alice asked for the cookie and handshook; Bob answered her handshake (README: online at ~9.67 s).
    expect(states(r, alice)).toEqual(['AwaitingDHTKey', 'AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket', 'Established', 'AcquiringCookie']);
    expect(states(r, bob)).toEqual(['AwaitingDHTKey', 'AwaitingSessionPacket', 'Established']);
    const online = direction(r, alice).progress.find((p) => p.state === 'Established')!.t;
    expect(online).toBeGreaterThan(9500);
    expect(online).toBeLessThan(9700);
    // Bob quit at 10.13 s with a kill packet; Alice's next cookie request is explained by it.
    const reconnect = direction(r, alice).steps.find((s) => s.to === 'AcquiringCookie' && s.from === 'Established')!;
    expect(reconnect.inferred).toEqual([expect.stringMatching(/^frame \d+ was a kill packet/)]);
  });

  it('the same capture over IPv6 (every address moved to ::1) checks the same', () => {
    const v6 = golden.map((d) => ({ ...d, src: { family: 'ipv6' as const, ip: '::1', port: d.src.port }, dst: { family: 'ipv6' as const, ip: '::1', port: d.dst.port } }));
    const r = check(v6);
    expect(findingsOf(r)).toEqual(findingsOf(check(golden)));
    expect(r.peers.map((p) => p.addresses).flat().sort()).toEqual(['[::1]:33445', '[::1]:33446']);
    expect(states(r, alice)).toEqual(states(check(golden), alice));
  });

  it("one side's profile is enough to check both directions", () => {
    for (const profiles of [[alice], [bob]]) {
      const r = check(golden, profiles);
      expect(findingsOf(r).map((f) => [f.kind, f.rule, f.observer])).toEqual([['deviation', 'onion.start-delay', pkOf(profiles[0]!)]]);
      expect(r.pairs[0]!.directions.map((d) => d.progress.at(-1)!.state)).toEqual(check(golden).pairs[0]!.directions.map((d) => d.progress.at(-1)!.state));
    }
  });
});

describe('the golden toxstate ↔ c-toxcore 0.2.18 capture', () => {
  let mixed: CapturedDatagram[];
  let cAlice: DissectProfile;
  let tBob: DissectProfile;
  beforeAll(async () => {
    mixed = await readDatagrams(MIXED_PCAP);
    cAlice = await keyProfile(MIXED_ALICE_TOX);
    tBob = await keyProfile(MIXED_BOB_TOX);
  });

  it("checks clean: toxstate's traffic breaks no rule and has no deviation; c-toxcore's only its start delay", () => {
    const r = check(mixed, [cAlice, tBob]);
    expect(findingsOf(r)).toEqual([{ kind: 'deviation', rule: 'onion.start-delay', observer: pkOf(cAlice), packets: [expect.any(Number)] }]);
    expect(r.pairs[0]!.directions.map((d) => d.progress.at(-1)!.state)).toEqual(['Established', 'Established']);
    expect(r.tasks.find((t) => t.observer === pkOf(tBob))!.progress.map((p) => p.state)).toEqual(['Offline', 'Announcing', 'Announced']);
  });

  it("ALIVE packets removed for 40 s: toxstate's session should have ended, and its session packets after that break fc.connection-timeout", () => {
    const aliceAddress = formatIpPort(mixed.find((d) => kindOf(d) === 'cookie_request')!.src);
    const online = check(mixed, [cAlice, tBob]).pairs[0]!.directions.find((d) => d.observer === pkOf(tBob))!.progress.find((p) => p.state === 'Established')!.t;
    const gap = (d: CapturedDatagram) => kindOf(d) === 'crypto_data' && formatIpPort(d.src) === aliceAddress && d.t > online + 2_000 && d.t < online + 42_000;
    const r = check(without(mixed, gap), [cAlice, tBob]);
    expect(violationsOf(r)).toEqual([
      // Seen from Alice's side the doctored capture shows her sending no ALIVE at all.
      { kind: 'violation', rule: 'fc.ping-interval', observer: pkOf(cAlice), packets: [] },
      { kind: 'violation', rule: 'fc.connection-timeout', observer: pkOf(tBob), packets: [expect.any(Number)] },
    ]);
    const f = r.findings.find((x) => x.kind === 'violation' && x.observer === pkOf(tBob))!;
    expect(f.transition).toBe('Established|tick|0');
    // The last session packet Bob got was at most 2 s after coming online; 32 s later the session ends.
    expect(f.t).toBeGreaterThan(online + 32_000);
    expect(f.t).toBeLessThan(online + 2_000 + 32_000 + 3_500 + 8_000);
  });

  it("ALIVE 9.5–10.5 s apart (c-toxcore's whole-second timer) is one deviation of fc.ping-interval, and the next deadline runs from each send", () => {
    const aliceAddress = formatIpPort(mixed.find((d) => kindOf(d) === 'cookie_request')!.src);
    const online = check(mixed, [cAlice, tBob]).pairs[0]!.directions.find((d) => d.observer === pkOf(cAlice))!.progress.find((p) => p.state === 'Established')!.t;
    // Alice's session packets after the first 2 s online thinned to one every 9.5 s or more.
    let last = online;
    const keep = new Set<number>();
    for (const d of mixed) {
      if (kindOf(d) !== 'crypto_data' || formatIpPort(d.src) !== aliceAddress || d.t <= online + 2_000) continue;
      if (d.t - last >= 9_500) {
        keep.add(d.n);
        last = d.t;
      }
    }
    expect(keep.size).toBeGreaterThan(3);
    const r = check(without(mixed, (d) => kindOf(d) === 'crypto_data' && formatIpPort(d.src) === aliceAddress && d.t > online + 2_000 && !keep.has(d.n)), [cAlice, tBob]);
    expect(violationsOf(r)).toEqual([]);
    const late = r.findings.filter((f) => f.rule === 'fc.ping-interval');
    expect(late).toEqual([expect.objectContaining({ kind: 'deviation', observer: pkOf(cAlice) })]);
    expect(late[0]!.observed).toMatch(/seen [3-9] times/);
  });

  it('a side that falls silent (everything it sent after some moment removed) is not blamed for the packets it did not send', () => {
    const bobAddress = formatIpPort(mixed.find((d) => kindOf(d) === 'handshake' && formatIpPort(d.src) !== formatIpPort(mixed.find((x) => kindOf(x) === 'cookie_request')!.src))!.src);
    const r = check(without(mixed, (d) => formatIpPort(d.src) === bobAddress && d.t > 15_000), [cAlice, tBob]);
    const bob = r.pairs[0]!.directions.find((d) => d.observer === pkOf(tBob))!;
    expect(r.findings.filter((f) => f.kind === 'violation' && f.observer === pkOf(tBob))).toEqual([]);
    expect(bob.unjudged).toBeGreaterThan(0);
    // Alice really kept receiving Bob's ALIVEs (only the copy is doctored), so she kept her session:
    // from the wire that is a session kept 32 s past its friend's last ALIVE.
    expect(violationsOf(r)).toEqual([{ kind: 'violation', rule: 'fc.connection-timeout', observer: pkOf(cAlice), packets: [expect.any(Number)] }]);
  });
});

describe('the campaign capture of a toxstate restart (c-toxcore 0.2.18 friend)', () => {
  it('checks clean: the restart is seen, and c-toxcore taking the new DHT key from a DHT-PK is the model\'s own path', async () => {
    const list = await readDatagrams(RESTART_PCAP);
    const alice = await keyProfile(RESTART_ALICE_TOX);
    const bob = await keyProfile(RESTART_BOB_TOX);
    const r = check(list, [alice, bob]);
    expect(violationsOf(r)).toEqual([]);
    expect(r.peers.find((p) => p.pk === pkOf(bob))!.addresses).toHaveLength(2);
    const bobSide = r.pairs[0]!.directions.find((d) => d.observer === pkOf(bob))!;
    expect(bobSide.steps.filter((s) => s.verdict === 'restart')).toHaveLength(1);
    const aliceSide = r.pairs[0]!.directions.find((d) => d.observer === pkOf(alice))!;
    // Alice's session with Bob ended by his kill packet, and came back on his new key.
    expect(aliceSide.progress.map((p) => p.state)).toEqual(['AwaitingDHTKey', 'AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket', 'Established', 'AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket', 'Established']);
    // The switch is seen at Alice's first cookie request to Bob's new address, not later.
    const switched = aliceSide.steps.find((s) => s.transitions.includes('AcquiringCookie|dhtKey.learned|1'))!;
    expect(switched.what).toBe('sent cookie request');
    expect(switched.inferred[0]).toMatch(/^the friend's DHT key/);
    const newAddress = r.peers.find((p) => p.pk === pkOf(bob))!.addresses[1]!;
    expect(formatIpPort(list.find((d) => d.n === switched.n)!.dst)).toBe(newAddress);
    // Also when a resend to the old address was due then (its predecessor removed): a request to
    // another address is never taken for the resend.
    const previous = aliceSide.steps.filter((s) => s.what === 'sent cookie request' && s.t < switched.t).at(-1)!;
    const r2 = check(without(list, (d) => d.n === previous.n!), [alice, bob]);
    const switched2 = r2.pairs[0]!.directions.find((d) => d.observer === pkOf(alice))!.steps.find((s) => s.transitions.includes('AcquiringCookie|dhtKey.learned|1'))!;
    expect(switched2.n).toBe(switched.n);
  });

  it('the same restart on the old port (as c-toxcore restarts): the cookie response from the new DHT key shows the observer had learnt it', async () => {
    const list = await readDatagrams(RESTART_PCAP);
    const alice = await keyProfile(RESTART_ALICE_TOX);
    const bob = await keyProfile(RESTART_BOB_TOX);
    const [oldAddress, newAddress] = check(list, [alice, bob]).peers.find((p) => p.pk === pkOf(bob))!.addresses;
    const port = (a: string) => Number(a!.split(':')[1]);
    const samePort = list.map((d) => ({ ...d, src: port(formatIpPort(d.src)) === port(newAddress!) ? { ...d.src, port: port(oldAddress!) } : d.src, dst: port(formatIpPort(d.dst)) === port(newAddress!) ? { ...d.dst, port: port(oldAddress!) } : d.dst }));
    const r = check(samePort, [alice, bob]);
    expect(violationsOf(r)).toEqual([]);
    const aliceSide = r.pairs[0]!.directions.find((d) => d.observer === pkOf(alice))!;
    const switched = aliceSide.steps.find((s) => s.transitions.includes('AcquiringCookie|dhtKey.learned|1'))!;
    expect(switched.what).toBe('received cookie response');
    expect(switched.note).toBe('the cookie request it answers went to the new DHT key');
  });
});

describe('doctored copies of the golden capture', () => {
  it('all cookie responses removed: a handshake without a cookie breaks st.cookie-response', () => {
    const r = check(without(golden, (d) => kindOf(d) === 'cookie_response'));
    const handshake = golden.find((d) => kindOf(d) === 'handshake' && between(d, ALICE_ADDRESS, BOB_ADDRESS))!;
    expect(violationsOf(r)).toEqual([{ kind: 'violation', rule: 'st.cookie-response', observer: pkOf(alice), packets: [handshake.n] }]);
    expect(r.findings.find((f) => f.kind === 'violation')!.transition).toBe('AcquiringCookie|packet.cookieResponse|0');
  });

  it('a handshake re-sent past the 8 tries breaks nc.max-tries (and Bob, who never answers it, st.new-connection)', () => {
    const handshake = golden.find((d) => kindOf(d) === 'handshake' && between(d, ALICE_ADDRESS, BOB_ADDRESS))!;
    // Nothing of the session after Alice's first handshake, then nine copies of it one second apart.
    const cut = without(golden, (d) => d.t > handshake.t && SESSION_KINDS.includes(kindOf(d)));
    const doctored = withExtra(cut, Array.from({ length: 9 }, (_, i) => ({ ...handshake, t: handshake.t + (i + 1) * 1000 })));
    const copies = doctored.filter((d) => d.n > handshake.n && kindOf(d) === 'handshake').map((d) => d.n);
    const r = check(doctored);
    expect(violationsOf(r)).toEqual([
      { kind: 'violation', rule: 'st.new-connection', observer: pkOf(bob), packets: [handshake.n] },
      // Eight copies are the phase (the first and seven resends); the ninth copy is one too many.
      { kind: 'violation', rule: 'nc.max-tries', observer: pkOf(alice), packets: [copies[7]!] },
    ]);
  });

  it('eight handshakes in a phase are allowed: the same doctoring with one copy fewer breaks only Bob', () => {
    const handshake = golden.find((d) => kindOf(d) === 'handshake' && between(d, ALICE_ADDRESS, BOB_ADDRESS))!;
    const cut = without(golden, (d) => d.t > handshake.t && SESSION_KINDS.includes(kindOf(d)));
    const r = check(withExtra(cut, Array.from({ length: 7 }, (_, i) => ({ ...handshake, t: handshake.t + (i + 1) * 1000 }))));
    expect(violationsOf(r).map((f) => f.rule)).toEqual(['st.new-connection']);
  });

  it('a handshake the friend never read: its unanswered copy is presumed lost, and the resend it answers checks clean', () => {
    // Bob did not read Alice's first handshake: she resends it 1 s later and everything after
    // comes 1 s later too. The capture shows Bob receiving the first copy and not answering it.
    const handshake = golden.find((d) => kindOf(d) === 'handshake' && between(d, ALICE_ADDRESS, BOB_ADDRESS))!;
    const later = golden.map((d) => (d.t > handshake.t ? { ...d, t: d.t + 1000 } : d));
    const r = check(withExtra(later, [{ ...handshake, t: handshake.t + 1000 }]));
    expect(violationsOf(r)).toEqual([]);
    expect(r.pairs[0]!.directions.find((d) => d.observer === pkOf(bob))!.presumedLost).toEqual([handshake.n]);
    // Loss trials rerun a direction: over the bound (a flood) they are skipped, and that is said.
    const bounded = checkCapture(withExtra(later, [{ ...handshake, t: handshake.t + 1000 }]), [alice, bob], crypto, { maxLossTrialPackets: 10 });
    expect(violationsOf(bounded).map((f) => f.observer)).toEqual([pkOf(bob)]);
    expect(bounded.notObservable.some((w) => w.startsWith('losses were not presumed'))).toBe(true);
  });

  it("c-toxcore's cookie phase: given up right after the eighth copy and retried at once, the documented deviation st.cookie-exhausted", () => {
    // After Bob quits, Alice asks for cookies: eight copies a second apart, then a ninth 0.1 s after the eighth.
    const first = golden.filter((d) => kindOf(d) === 'cookie_request' && between(d, ALICE_ADDRESS, BOB_ADDRESS) && d.t > 10_000)[0]!;
    const tail = without(golden, (d) => kindOf(d) === 'cookie_request' && d.t > first.t);
    const copies = [...Array.from({ length: 7 }, (_, i) => first.t + (i + 1) * 1000), first.t + 7_100].map((t) => ({ ...first, t }));
    const r = check(withExtra(tail, copies));
    expect(violationsOf(r)).toEqual([]);
    const d = r.findings.filter((f) => f.rule === 'st.cookie-exhausted');
    expect(d).toEqual([expect.objectContaining({ kind: 'deviation', observer: pkOf(alice), transition: 'AcquiringCookie|tick|4' })]);
    expect(d[0]!.observed).toMatch(/0\.9\d\d s before the model's phase ends/);
    // A retry when the model's phase ends is the model's own path (the DHT still knew the address).
    const own = [...copies.slice(0, 7), { ...first, t: first.t + 8_000 }];
    expect(check(withExtra(tail, own)).findings.filter((f) => f.rule === 'st.cookie-exhausted' || f.kind === 'violation')).toEqual([]);
  });

  it('a session packet before any handshake breaks st.session-after-handshake', () => {
    const session = golden.find((d) => kindOf(d) === 'crypto_data' && between(d, ALICE_ADDRESS, BOB_ADDRESS))!;
    const response = golden.find((d) => kindOf(d) === 'cookie_response')!;
    const doctored = withExtra(golden, [{ ...session, t: response.t - 10 }]);
    const r = check(doctored);
    expect(violationsOf(r)).toEqual([{ kind: 'violation', rule: 'st.session-after-handshake', observer: pkOf(alice), packets: [Math.max(...golden.map((d) => d.n)) + 1] }]);
  });

  it('a handshake sent in answer to nothing, late in the capture, is one violation, not a cascade', () => {
    const handshake = golden.find((d) => kindOf(d) === 'handshake' && between(d, ALICE_ADDRESS, BOB_ADDRESS))!;
    const r = check(withExtra(golden, [{ ...handshake, t: 12_800 }]));
    expect(violationsOf(r).map((f) => [f.rule, f.observer])).toEqual([['st.cookie-response', pkOf(alice)]]);
  });
});

describe('the toxid: task, from a profile owner\'s own announces', () => {
  it('the golden pair: each peer Offline → Announcing → Announced, with c-toxcore\'s start delay as a deviation', () => {
    const r = check(golden);
    expect(r.tasks.map((t) => [t.observer, t.progress.map((p) => p.state)])).toEqual([
      [pkOf(bob), ['Offline', 'Announcing', 'Announced']],
      [pkOf(alice), ['Offline', 'Announcing', 'Announced']],
    ]);
    const deviation = r.findings.find((f) => f.rule === 'onion.start-delay' && f.observer === pkOf(alice))!;
    expect(deviation.observed).toMatch(/first self-announce request 2\.\d+ s later/);
  });

  it('self-announcing that stops while the observer is still up breaks onion.announce-intervals, once', () => {
    const ids = identify(golden, [alice], crypto);
    const own = ids.selfAnnounces.filter((a) => a.pk === pkOf(alice));
    const firstRound = own[0]!.t;
    // Alice never hears she is stored, and after her first round sends no onion request at all.
    const drop = new Set(own.filter((a) => (a.kind === 'response' && a.isStored === 2) || (a.kind === 'request' && a.t > firstRound + 10)).map((a) => a.n));
    const onionFromAlice = (d: CapturedDatagram) => d.payload[0] === 0x80 && formatIpPort(d.src) === ALICE_ADDRESS && d.t > firstRound + 10;
    const r = check(without(golden, (d) => drop.has(d.n) || onionFromAlice(d)), [alice]);
    expect(r.tasks[0]!.progress.map((p) => p.state)).toEqual(['Offline', 'Announcing']);
    expect(violationsOf(r)).toEqual([{ kind: 'violation', rule: 'onion.announce-intervals', observer: pkOf(alice), packets: [] }]);
    expect(r.findings.find((f) => f.kind === 'violation')!.t).toBeCloseTo(firstRound + 3000 + 1500, -1);
  });

  it('a round whose onion requests never reach an announce node is presumed lost on the path, not a violation', () => {
    const ids = identify(golden, [alice], crypto);
    const own = ids.selfAnnounces.filter((a) => a.pk === pkOf(alice));
    const firstRound = own[0]!.t;
    // The relays lose every later self-announce of Alice's: her onion requests (0x80) stay, their 0x83 never appear.
    const drop = new Set(own.filter((a) => (a.kind === 'response' && a.isStored === 2) || (a.kind === 'request' && a.t > firstRound + 10)).map((a) => a.n));
    const r = check(without(golden, (d) => drop.has(d.n)), [alice]);
    expect(violationsOf(r)).toEqual([]);
    expect(r.tasks[0]!.presumedLost).toBeGreaterThan(0);
  });
});

describe('the monitor itself', () => {
  it('every friendSession transition that sends a packet names a conformance rule', () => {
    const emitting = allTransitions(friendSession).filter((t) => {
      const node = friendSession.getStateNodeById(`friendSession.${t.source}`);
      const def = node.transitions.get(t.event)![Number(t.id.split('|')[2])]!;
      return def.actions.some((a) => ['sendCookieRequest', 'sendHandshake', 'sendConfirm', 'sendAlive'].includes(String((a as { type?: string }).type ?? a)));
    });
    expect(emitting.length).toBeGreaterThan(10);
    for (const t of emitting) expect(ruleOfTransition(t.id), t.id).not.toBe('unmapped');
    for (const [transition, rule] of mappedTransitions()) expect(RULES.find((r) => r.id === rule), transition).toBeDefined();
  });

  it('JSON lines: progress per state change, findings, and a summary last', () => {
    const lines = jsonLines(check(without(golden, (d) => kindOf(d) === 'cookie_response'))).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ ev: 'summary', pairs: 1, violations: 1, deviations: 2, packets: golden.length - 1 });
    expect(lines.filter((l) => l.ev === 'deviation').map((l) => l.rule)).toEqual(['onion.start-delay', 'onion.start-delay']);
    expect(lines.filter((l) => l.ev === 'progress' && l.task === 'toxid').map((l) => l.state)).toEqual(['Offline', 'Announcing', 'Announced', 'Offline', 'Announcing', 'Announced']);
    expect(lines.filter((l) => l.ev === 'violation')).toEqual([expect.objectContaining({ rule: 'st.cookie-response', observer: pkOf(alice), friend: pkOf(bob), t: expect.any(Number) })]);
    expect(lines.filter((l) => l.ev === 'progress' && l.observer === pkOf(bob) && l.friend === pkOf(alice)).map((l) => l.state)).toEqual(['AwaitingDHTKey', 'AwaitingSessionPacket', 'Established']);
    expect(lines.some((l) => l.ev === 'not_observable')).toBe(true);
  });

  it('a capture with no profile that reveals anyone checks no pair', () => {
    const stranger = { label: 'stranger', publicKey: new Uint8Array(32).fill(7), secretKey: new Uint8Array(32).fill(9), friendPks: [] };
    const r = check(golden, [stranger]);
    expect(r.pairs).toEqual([]);
    expect(r.notObservable.some((w) => w.includes('where stranger'))).toBe(true);
  });
});
