/**
 * The embedding API says what users expect (issue 19): `bootstrap` takes a hex key or one
 * "IP:PORT:DHTKEY" string and refuses bad input with a TypeError naming the argument;
 * `engine.toxId()` is the Tox ID; `createEngine` reports `profile_changed` only with a profile;
 * a friend's progress runs through FriendSessionState (ToxProgress, then Established).
 */
import { describe, expect, it } from 'vitest';
import { createEngine, formatToxId, FRIEND_SESSION_STATES, fromHex, loadCrypto, newProfile, parseToxId, seededRandom, toHex, TOX_PROGRESS, type AppEvent, type ToxEngine } from '../../index.js';
import { generateKeyPair } from '../../runtime/keys.js';

const crypto = await loadCrypto();
const node = generateKeyPair(crypto, seededRandom(77));
const keyHex = toHex(node.publicKey);
const friend = (): Uint8Array => generateKeyPair(crypto, seededRandom(11)).publicKey;
const at = { family: 'ipv4' as const, ip: '127.0.0.1', port: 33445 };

/** What an engine sends after being bootstrapped one way (same seed: the same bytes when the node is the same). */
async function sentAfter(boot: (e: ToxEngine) => void): Promise<Array<{ to: string; data: string }>> {
  const e = await createEngine({ seed: 5, crypto, epochMs: 0 });
  e.start(0);
  e.takeTransmits();
  boot(e);
  e.handleTimeout(1);
  return e.takeTransmits().map((t) => ({ to: `${t.to.ip}:${t.to.port}`, data: toHex(t.data) }));
}

describe('bootstrap', () => {
  it('takes the key as bytes, as hex (either case), or the node as one "IP:PORT:DHTKEY" string — the same node each way', async () => {
    const bytes = await sentAfter((e) => e.bootstrap(0, at, node.publicKey));
    expect(bytes.some((t) => t.to === '127.0.0.1:33445')).toBe(true);
    expect(await sentAfter((e) => e.bootstrap(0, at, keyHex))).toEqual(bytes);
    expect(await sentAfter((e) => e.bootstrap(0, at, keyHex.toUpperCase()))).toEqual(bytes);
    expect(await sentAfter((e) => e.bootstrap(0, `127.0.0.1:33445:${keyHex}`))).toEqual(bytes);
    // A different node is a different start (the comparison above can fail).
    expect(await sentAfter((e) => e.bootstrap(0, `127.0.0.1:33446:${keyHex}`))).not.toEqual(bytes);
  });

  it('takes IPv6 as "[addr]:PORT:DHTKEY"', async () => {
    const e = await createEngine({ seed: 6, crypto, families: ['ipv4', 'ipv6'] });
    e.start(0, { families: ['ipv4', 'ipv6'] });
    e.takeTransmits();
    e.bootstrap(0, `[::1]:33445:${keyHex}`);
    e.handleTimeout(1);
    expect(e.takeTransmits().some((t) => t.to.family === 'ipv6' && t.to.ip === '::1' && t.to.port === 33445)).toBe(true);
  });

  it('refuses bad input with a TypeError naming the argument, and changes nothing', async () => {
    const e = await createEngine({ seed: 7, crypto });
    e.start(0);
    e.takeTransmits();
    const bad: Array<[() => void, RegExp]> = [
      [() => e.bootstrap(0, at, 'abc'), /^bootstrap: dhtPk must be 64 hex characters or 32 bytes, got the string "abc"/],
      [() => e.bootstrap(0, at, 'zz'.repeat(32)), /dhtPk must be 64 hex characters/],
      [() => e.bootstrap(0, at, new Uint8Array(31)), /^bootstrap: dhtPk must be 32 bytes, got 31$/],
      [() => e.bootstrap(0, at, undefined as unknown as string), /dhtPk must be .* got undefined/],
      [() => e.bootstrap(0, at, 42 as unknown as string), /dhtPk must be .* got number/],
      [() => e.bootstrap(0, '127.0.0.1:33445'), /^bootstrap: node must be "IP:PORT:DHTKEY"/],
      [() => e.bootstrap(0, `127.0.0.1:33445:${keyHex.slice(2)}`), /^bootstrap: node's DHT key must be 64 hex characters/],
      [() => e.bootstrap(0, keyHex), /^bootstrap: node must be "IP:PORT:DHTKEY"/],
      [() => e.bootstrap(0, `localhost:33445:${keyHex}`), /^bootstrap: node must be "IP:PORT:DHTKEY".*bad IPv4 address/],
      [() => e.bootstrap(0, `127.0.0.1:99999:${keyHex}`), /^bootstrap: node must be "IP:PORT:DHTKEY".*bad port/],
      [() => e.bootstrap(0, `127.0.0.1:0:${keyHex}`), /port 0/],
      [() => e.bootstrap(0, `127.0.0.1:33445:${keyHex}` as never, keyHex), /"IP:PORT:DHTKEY" alone/],
      [() => e.bootstrap(0, { family: 'ipv4', ip: '::1', port: 1 }, keyHex), /^bootstrap: ipPort must be \{ family/],
      [() => e.bootstrap(0, { family: 'ipv4', ip: '127.0.0.1', port: 0 }, keyHex), /^bootstrap: ipPort must be/],
      [() => e.bootstrap(0, null as never, keyHex), /ipPort must be .* got null/],
    ];
    for (const [call, message] of bad) expect(call, String(message)).toThrow(message);
    for (const [call] of bad) expect(call).toThrow(TypeError);
    e.handleTimeout(1);
    expect(e.takeTransmits()).toEqual([]);
  });
});

describe('identity', () => {
  it('engine.toxId() is formatToxId(long-term key, nospam), and it parses back to them', async () => {
    const identity = generateKeyPair(crypto, seededRandom(9));
    const nospam = Uint8Array.of(1, 2, 3, 4);
    const e = await createEngine({ crypto, identity, nospam });
    expect(e.toxId()).toBe(formatToxId(identity.publicKey, nospam));
    expect(e.toxId()).toMatch(/^[0-9A-F]{76}$/i);
    const parsed = parseToxId(e.toxId());
    expect(parsed.ok && toHex(parsed.value.publicKey)).toBe(e.selfHex);
    expect(parsed.ok && [...parsed.value.nospam]).toEqual([1, 2, 3, 4]);
  });

  it('fromHex gives { ok, value } or { ok: false, error }, never a throw', () => {
    expect(fromHex('0aff')).toEqual({ ok: true, value: Uint8Array.of(10, 255) });
    const bad = fromHex('xyz');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/not a hex string/);
  });
});

describe('profile_changed', () => {
  const changes = (events: AppEvent[]): number => events.filter((x) => x.type === 'profile_changed').length;

  it('is never reported by an engine without a profile', async () => {
    const e = await createEngine({ seed: 1, crypto });
    e.start(0);
    e.setName(1, 'bot');
    e.addFriend(2, friend());
    e.setNospam(3, Uint8Array.of(9, 9, 9, 9));
    const events = e.takeEvents();
    expect(events.some((x) => x.type === 'progress')).toBe(true);
    expect(changes(events)).toBe(0);
  });

  it('is reported by an engine started from a profile, which takes the profile identity', async () => {
    const profile = newProfile(crypto, seededRandom(12));
    const e = await createEngine({ seed: 1, crypto, profile });
    expect(e.selfHex).toBe(toHex(profile.keys.publicKey));
    expect(e.toxId()).toBe(formatToxId(profile.keys.publicKey, profile.keys.nospam));
    e.start(0);
    e.setName(1, 'bot');
    e.addFriend(2, friend());
    expect(changes(e.takeEvents())).toBe(2);
  });
});

describe('a friend progress', () => {
  it('runs through FriendSessionState: the ToxProgress ladder, then Established', async () => {
    expect(FRIEND_SESSION_STATES).toEqual([...TOX_PROGRESS, 'Established']);
    const e = await createEngine({ seed: 2, crypto });
    e.start(0);
    const f = e.addFriend(1, friend());
    const progress = e.takeEvents().filter((x): x is Extract<AppEvent, { type: 'progress' }> => x.type === 'progress');
    expect(progress.map((p) => [p.friend, p.state, p.t])).toEqual([[f.pkHex, 'AwaitingDHTKey', 1]]);
    expect(e.progressOf(f.pkHex)).toBe('AwaitingDHTKey');
  });
});
