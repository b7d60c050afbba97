/**
 * Restarts between toxstate and c-toxcore on loopback, with no new friend request, once per
 * c-toxcore version (Debian's 0.2.18; 0.2.23 built by .ci/run, required under
 * TOXSTATE_REQUIRE_0223; the test names say which):
 *   - the c-toxcore peer quits (its kill packet takes toxstate's session down at once) and comes
 *     back from its profile with a new DHT key on a new port: toxstate learns the new DHT key
 *     and is Established again;
 *   - toxstate saves its profile (`saveProfile(profileOf(engine, …))`), stops, and a new Engine
 *     starts from it (`profileStart`) with a new DHT key on a new port: both sides are online
 *     again.
 * Messages go both ways after each reconnect. Reconnect times are printed, never asserted.
 *
 * Network rule: 127.0.0.1 only (sockets, bootstraps, UdpNode's refusal counter asserted 0).
 * Skipped with the printed reason when c-toxcore is unavailable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorKeys } from '../../runtime/engine.js';
import { profileStart } from '../../runtime/profile-bridge.js';
import { loadProfile, saveProfile } from '../../runtime/adapters/profile-store.js';
import { closeAllPeers, CPeer, type CPeerOptions } from '../../harness/interop/cpeer.js';
import { cVersions } from '../../harness/interop/c-versions.js';
import { closeAllTPeers, TPeer } from '../../harness/interop/tpeer.js';

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing

/** Bound on every wait. */
const WAIT_MS = 40_000;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'toxstate-restart-'));
});
afterAll(async () => {
  await closeAllTPeers();
  await closeAllPeers();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** A toxstate peer and a c-toxcore peer that are friends (no request: both add the other) and online. */
async function onlinePair(cProfile: string, extra: CPeerOptions): Promise<{ t: TPeer; c: CPeer; cFriend: number }> {
  const c = await CPeer.start({ ...extra, label: 'c-toxcore', name: 'c-toxcore', profile: cProfile });
  const t = await TPeer.start({ label: 'toxstate', name: 'toxstate', bootstrap: [{ port: c.identity.port, dhtpk: c.identity.dhtpk }], friends: [c.identity.pk] });
  const added = await c.request(`addnr ${t.pkHex}`, 'friend_added');
  await Promise.all([
    t.waitForEvent('friend_online', (e) => e.friend === c.identity.pk.toLowerCase()),
    c.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', WAIT_MS),
  ]);
  return { t, c, cFriend: added.friend };
}

async function exchange(t: TPeer, c: CPeer, cFriend: number, tag: string): Promise<void> {
  const cPk = c.identity.pk.toLowerCase();
  const since = c.mark();
  const id = t.sendMessage(cPk, `toxstate ${tag}`);
  await c.waitForEvent('message', (e) => e.text === `toxstate ${tag}` && e.friend === cFriend, WAIT_MS, since);
  await t.waitForEvent('receipt', (e) => e.friend === cPk && e.id === id);
  const mark = t.mark();
  const cid = await c.sendMessage(cFriend, `c-toxcore ${tag}`);
  await t.waitForEvent('message', (e) => e.friend === cPk && e.text === `c-toxcore ${tag}`, undefined, mark);
  await c.waitForEvent('receipt', (e) => e.id === cid && e.friend === cFriend, WAIT_MS, since);
}

for (const v of versions) describe.skipIf(!v.available)(`restarts between toxstate and c-toxcore [c-toxcore ${v.version}]`, () => {
  it('the c-toxcore peer restarts from its profile (new DHT key, new port): toxstate goes offline, learns the new key, is Established again', async () => {
    const cProfile = path.join(dir, `c1-${v.version}.tox`);
    const { t, c, cFriend } = await onlinePair(cProfile, v.extra);
    const cPk = c.identity.pk.toLowerCase();
    await exchange(t, c, cFriend, 'before');

    const mark = t.mark();
    const stopAt = performance.now();
    expect((await c.close()).code).toBe(0);
    const offline = await t.waitForEvent('friend_offline', (e) => e.friend === cPk, undefined, mark);
    console.log(`c-toxcore quit: toxstate saw the friend offline after ${seconds(performance.now() - stopAt)} (${offline.reason})`);

    const restartAt = performance.now();
    const c2 = await CPeer.start({ ...v.extra, label: 'c-toxcore again', profile: cProfile, port: c.identity.port + 1 });
    expect(c2.identity.pk).toBe(c.identity.pk);
    expect(c2.identity.port).not.toBe(c.identity.port);
    expect(c2.identity.dhtpk).not.toBe(c.identity.dhtpk);
    const friends = await c2.request('friends', 'friends');
    expect(friends.friends.map((f) => f.pk.toLowerCase())).toEqual([t.pkHex]);

    await Promise.all([
      t.waitForEvent('friend_online', (e) => e.friend === cPk, undefined, mark),
      c2.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status === 'udp', WAIT_MS),
    ]);
    console.log(`c-toxcore restart: both online again ${seconds(performance.now() - restartAt)} after the new c-toxcore started`);
    expect(t.engine.progressOf(cPk)).toBe('Established');
    // The session learned c-toxcore's new DHT key (it had no way to know it before).
    const newKey = c2.identity.dhtpk.toLowerCase();
    const learned = t.engine.journal
      .since(0)
      .filter((j) => j.actor === actorKeys.session(cPk) && (j.event.type === 'dhtKey.learned' || j.event.type === 'packet.handshake'));
    expect(learned.some((j) => j.event['dhtKey'] === newKey)).toBe(true);
    const context = t.engine.actors.get(actorKeys.session(cPk))?.snapshot.context as { dhtKey?: { value: string } | null } | undefined;
    expect(context?.dhtKey?.value).toBe(newKey);
    // Offline, then the seed's progress order back to Established.
    const progress = t.events.slice(mark).flatMap((e) => (e.type === 'progress' && e.friend === cPk ? [e.state] : []));
    expect(progress.at(-1)).toBe('Established');
    expect(progress.slice(0, -1)).not.toContain('Established');

    await exchange(t, c2, cFriend, 'after c-toxcore restart');
    // No new friend request on either side.
    expect(t.events.some((e) => e.type === 'friend_request')).toBe(false);
    expect(c2.events.some((e) => e.event === 'friend_request')).toBe(false);
    expect(t.engine.counters.get('error.handler'), t.engine.lastError ?? '').toBe(0);
    expect(t.engine.counters.get('tx.refused_non_loopback')).toBe(0);
  }, 120_000);

  it('toxstate restarts from its saved profile (new Engine, new DHT key, new port): it reconnects to the c-toxcore friend', async () => {
    const { t, c, cFriend } = await onlinePair(path.join(dir, `c2-${v.version}.tox`), v.extra);
    const cPk = c.identity.pk.toLowerCase();
    await exchange(t, c, cFriend, 'before');

    // Save, stop, load, start: what a user's restart of the program does.
    const file = path.join(dir, `toxstate-${v.version}.tox`);
    await saveProfile(file, t.profile());
    const old = { pk: t.pkHex, dhtpk: t.dhtpkHex, port: t.port };
    const since = c.mark();
    const restartAt = performance.now();
    await t.close();
    const loaded = await loadProfile(file);
    const start = profileStart(loaded.profile);
    expect(start.friends.map((f) => Buffer.from(f.pk).toString('hex'))).toEqual([cPk]);
    expect(start.name).toBe('toxstate');
    const t2 = await TPeer.start({ label: 'toxstate again', profile: loaded.profile, bootstrap: [{ port: c.identity.port, dhtpk: c.identity.dhtpk }] });
    expect(t2.pkHex).toBe(old.pk);
    expect(t2.dhtpkHex).not.toBe(old.dhtpk);
    expect(t2.port).not.toBe(old.port);

    await Promise.all([
      t2.waitForEvent('friend_online', (e) => e.friend === cPk),
      c.waitForEvent('friend_connection', (e) => e.friend === cFriend && e.status === 'udp', WAIT_MS, since),
    ]);
    const onlineMs = performance.now() - restartAt;
    // c-toxcore's old session ended when the new DHT key reached it (or timed out): it reports none, then udp.
    const statuses = c.events.slice(since).flatMap((e) => (e.event === 'friend_connection' && e.friend === cFriend ? [e.status] : []));
    console.log(`toxstate restart: both online again ${seconds(onlineMs)} after the old engine stopped; c-toxcore reported ${statuses.join(' → ')}`);
    expect(statuses.at(-1)).toBe('udp');
    expect(statuses).toContain('none');

    await exchange(t2, c, cFriend, 'after toxstate restart');
    expect(c.events.some((e) => e.event === 'friend_request')).toBe(false);
    expect(t2.engine.counters.get('error.handler'), t2.engine.lastError ?? '').toBe(0);
    expect(t2.engine.counters.get('tx.refused_non_loopback')).toBe(0);
  }, 120_000);
});
