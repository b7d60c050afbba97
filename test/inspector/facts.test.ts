/**
 * The friend session's facts table (issue 15): the formatters (times relative to the point shown,
 * shortened DHT keys, the dhtSearch hint, "stale" exactly when the machine's own isFresh says
 * so, "—" for an absent fact) and the rows the model puts in a session's view, live and at
 * every point of time travel.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_SOURCE_RANK, DHT_KEY_SOURCE_RANK, isFresh, type Fact } from '../../machines/friend-session-rules.js';
import { actorKeys } from '../../runtime/engine.js';
import { simulatedDemo, type DemoTarget } from '../../inspector/demo.js';
import { factRow, factRows, rankText, relativeText } from '../../inspector/format.js';
import { InspectorModel } from '../../inspector/model.js';
import { testCrypto } from './helpers.js';

const KEY = '44c5942728310e6bdcbf98f51a050f2ff93816831488bdd0c36f3d51f7d8b866';

describe('fact formatters', () => {
  it('gives times relative to the point shown, to a tenth of a second', () => {
    expect(relativeText(10_000, 22_300)).toBe('12.3 s ago');
    expect(relativeText(131_700, 22_000)).toBe('in 109.7 s');
    expect(relativeText(5_000, 5_000)).toBe('now');
    expect(relativeText(0, 250_000)).toBe('250.0 s ago');
    expect(relativeText(1_000, 999)).toBe('in 0.0 s');
  });

  it('lists the sources strongest first, equal ranks together', () => {
    expect(rankText(DHT_KEY_SOURCE_RANK)).toBe('handshake > onion = dhtRoute = pastHandshake > dhtMessage');
    expect(rankText(ADDRESS_SOURCE_RANK)).toBe('sessionPacket > dhtKeyPacket > dhtSearch');
  });

  it('shows a fresh DHT key shortened, with its source and times', () => {
    const f: Fact<'onion'> = { value: KEY, source: 'onion', learnedAt: 10_000, confirmedAt: 20_000, freshUntil: 142_000 };
    expect(factRow('DHT key', f, DHT_KEY_SOURCE_RANK, 32_300)).toEqual({
      fact: 'DHT key',
      present: true,
      value: '44c59427…',
      full: KEY,
      source: 'onion',
      sourceHint: null,
      ranks: 'handshake > onion = dhtRoute = pastHandshake > dhtMessage',
      learned: '22.3 s ago',
      confirmed: '12.3 s ago',
      freshUntil: 'in 109.7 s',
      stale: false,
    });
  });

  it('marks a dhtSearch address as a claim being checked, and a passed deadline as stale', () => {
    const claim: Fact<'dhtSearch'> = { value: '127.0.0.5:33445', source: 'dhtSearch', learnedAt: 1_000, confirmedAt: 1_000, freshUntil: 123_000 };
    const row = factRow('address', claim, ADDRESS_SOURCE_RANK, 2_500);
    expect(row).toMatchObject({ value: '127.0.0.5:33445', full: '127.0.0.5:33445', source: 'dhtSearch', sourceHint: 'claim, being checked', learned: '1.5 s ago', freshUntil: 'in 120.5 s', stale: false });
    expect(factRow('address', { ...claim, source: 'dhtKeyPacket' }, ADDRESS_SOURCE_RANK, 2_500).sourceHint).toBeNull();
    // Fresh means now < freshUntil (friend-session-rules.ts isFresh): at the deadline it is stale.
    expect(factRow('address', claim, ADDRESS_SOURCE_RANK, 123_000)).toMatchObject({ freshUntil: 'stale (now)', stale: true });
    expect(factRow('address', claim, ADDRESS_SOURCE_RANK, 125_400)).toMatchObject({ freshUntil: 'stale (2.4 s ago)', stale: true, learned: '124.4 s ago' });
    expect(factRow('address', claim, ADDRESS_SOURCE_RANK, 122_999).stale).toBe(false);
  });

  it('shows an absent fact as "—" in every column', () => {
    const absent = { present: false, value: '—', full: '', source: '—', sourceHint: null, learned: '—', confirmed: '—', freshUntil: '—', stale: false };
    expect(factRows({ dhtKey: null, address: null }, 5_000)).toEqual([
      { fact: 'DHT key', ranks: 'handshake > onion = dhtRoute = pastHandshake > dhtMessage', ...absent },
      { fact: 'address', ranks: 'sessionPacket > dhtKeyPacket > dhtSearch', ...absent },
    ]);
    // One fact known, the other not; the DHT key row comes first.
    const rows = factRows({ dhtKey: { value: KEY, source: 'handshake', learnedAt: 0, confirmedAt: 0, freshUntil: 122_000 }, address: null }, 1_000);
    expect(rows.map((r) => [r.fact, r.value, r.source])).toEqual([
      ['DHT key', '44c59427…', 'handshake'],
      ['address', '—', '—'],
    ]);
  });

  it('calls a fact stale exactly when the machine does not hold it fresh', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.nat({ max: 200_000 }), fc.nat({ max: 1_200_000 }), (learnedAt, age, t) => {
        const fact: Fact<'onion'> = { value: KEY, source: 'onion', learnedAt, confirmedAt: learnedAt, freshUntil: learnedAt + age };
        const row = factRow('DHT key', fact, DHT_KEY_SOURCE_RANK, t);
        expect(row.stale).toBe(!isFresh(fact, t));
        expect(row.freshUntil.startsWith('stale')).toBe(row.stale);
      }),
    );
  });
});

describe('the facts in a session view', () => {
  let demo: DemoTarget;
  let model: InspectorModel;
  beforeAll(async () => {
    demo = simulatedDemo({ crypto: await testCrypto(), seed: 2026 });
    const viewer = demo.demo!.bob.node.engine;
    const friend = demo.demo!.alice.node.engine.selfHex;
    demo.demo!.sim.runUntilTrue(() => viewer.progressOf(friend) === 'Established', 60_000);
    demo.demo!.sim.runFor(1_000);
    model = new InspectorModel(demo.target);
  });
  afterAll(() => model?.close());

  it('has rows for the session only, from its context at the time shown, live and at each journal position', () => {
    const bob = model.nodeIndex('Bob');
    const alice = demo.demo!.alice.node.engine.selfHex;
    const live = model.view(bob, { friend: alice });
    for (const a of live.actors) expect(a.facts === null, a.role).toBe(a.role !== 'session');
    const session = live.actors.find((a) => a.role === 'session')!;
    const ctx = session.context as { dhtKey: Fact<string>; address: Fact<string> };
    expect(session.state).toBe('Established');
    expect(session.facts).toEqual(factRows(ctx, live.t));
    expect(session.facts!.map((r) => [r.fact, r.full, r.source, r.stale])).toEqual([
      ['DHT key', ctx.dhtKey.value, 'handshake', false],
      ['address', ctx.address.value, 'sessionPacket', false],
    ]);
    expect(session.facts![1]!.learned).toBe(relativeText(ctx.address.learnedAt, live.t));

    // Time travel: at every entry of either node's journal the rows are those of its session's context then.
    const sources = new Set<string>();
    let absentSeen = false;
    for (const [viewer, friend] of [
      [bob, alice],
      [model.nodeIndex('Alice'), demo.demo!.bob.node.engine.selfHex],
    ] as const) {
      const h = model.history(viewer);
      const key = actorKeys.session(friend);
      for (let seq = h.firstSeq; seq <= h.lastSeq; seq++) {
        const v = model.view(viewer, { friend, seq });
        const s = v.actors.find((a) => a.role === 'session');
        const at = h.stateAt(key, seq);
        if (!s || !at?.contextKnown) continue;
        expect(s.facts, `node ${viewer} seq ${seq}`).toEqual(factRows(at.context, v.t));
        for (const r of s.facts!) {
          if (r.present) sources.add(`${r.fact}:${r.source}`);
          else absentSeen = true;
        }
      }
    }
    // The demo passes through every interesting case: no facts yet, a claimed address, a checked one.
    expect(absentSeen).toBe(true);
    expect([...sources].sort()).toEqual(expect.arrayContaining(['DHT key:onion', 'DHT key:handshake', 'address:dhtSearch', 'address:sessionPacket']));
  });
});
