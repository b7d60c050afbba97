/**
 * net_crypto and messenger against c-toxcore on loopback (docs/protocol.md §10.3), once with Debian's
 * 0.2.18 and once with 0.2.23 (harness/interop/c-versions.ts; the test names say which):
 * toxstate learns the c-toxcore peer's DHT key and UDP port from its `ready` event, initiates the
 * session itself (no DHT, no onion), both report the friend online, messages go both ways with
 * receipts, ALIVE keeps the session, and our kill packet ends it on the c-toxcore side at once.
 *
 * Network rule: toxstate binds 127.0.0.1 and sends only to 127.0.0.1 (UdpNode refuses anything
 * else); cpeer runs with local discovery off, IPv4 only, under the loopback bind shim, with no
 * bootstrap at all. Skipped with the printed reason when c-toxcore is unavailable (a missing
 * 0.2.23 fails under TOXSTATE_REQUIRE_0223=1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../protocol/bytes.js';
import { unwrap } from '../../protocol/result.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import type { AppEvent } from '../../runtime/app-events.js';
import { closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { cTag, cVersions } from '../../harness/interop/c-versions.js';
import { makeFriendEngine } from './net-crypto-helpers.js';

const versions = await cVersions();

/** Bound on every real-time wait here (c-toxcore answers within its 50 ms loop). */
const WAIT_MS = 15_000;

afterAll(async () => {
  await closeAllPeers();
});

function waitForApp<T extends AppEvent['type']>(
  log: AppEvent[],
  node: UdpNode,
  type: T,
  pred: (e: Extract<AppEvent, { type: T }>) => boolean = () => true,
  timeoutMs = WAIT_MS,
): Promise<Extract<AppEvent, { type: T }>> {
  const match = (e: AppEvent): e is Extract<AppEvent, { type: T }> => e.type === type && pred(e as Extract<AppEvent, { type: T }>);
  const seen = log.find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${timeoutMs} ms; counters: ${JSON.stringify(node.engine.counters.toJSON())}`));
    }, timeoutMs);
    const off = node.onEvent((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

for (const v of versions) describe.skipIf(!v.available)(`net_crypto with c-toxcore ${cTag(v)}`, () => {
  it('toxstate initiates: both online over UDP, messages both ways with receipts, ALIVE keeps it, our kill ends it', async () => {
    const cpeer = await CPeer.start({ label: 'ctox', name: 'cpeer', statusMessage: 'c-toxcore here', ...v.extra });
    expect(cpeer.identity.toxcore).toBe(v.version);
    const id = { ...cpeer.identity, pk: cpeer.identity.pk.toLowerCase(), dhtpk: cpeer.identity.dhtpk.toLowerCase() };
    const engine = await makeFriendEngine(7001, 'toxstate', [unwrap(fromHex(id.pk))], { epochMs: Date.now() });
    const node = await UdpNode.start(engine, { bind: '127.0.0.1', port: 0 });
    const log: AppEvent[] = [];
    node.onEvent((e) => log.push(e));
    try {
      const added = await cpeer.request(`addnr ${engine.selfHex}`, 'friend_added');
      const since = cpeer.mark();
      const t0 = performance.now();
      // What the onion (DHT-PK) and a DHT search would tell us; here from cpeer's ready event.
      node.run((e, now) => {
        e.deliverToSession(id.pk, { type: 'dhtKey.learned', now, dhtKey: id.dhtpk, source: 'onion' });
        e.deliverToSession(id.pk, { type: 'address.learned', now, address: `127.0.0.1:${id.port}`, source: 'dhtSearch' });
        e.flush();
      });
      await waitForApp(log, node, 'friend_online', (e) => e.friend === id.pk);
      const conn = await cpeer.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', WAIT_MS, since);
      const onlineMs = performance.now() - t0;
      console.log(`toxstate → c-toxcore: friend online on both sides ${onlineMs.toFixed(0)} ms after our first cookie request`);
      expect(conn.pk.toLowerCase()).toBe(engine.selfHex);

      // Names and statuses both ways.
      await waitForApp(log, node, 'friend_name', (e) => e.name === 'cpeer');
      await waitForApp(log, node, 'friend_status_message', (e) => e.statusMessage === 'c-toxcore here');
      await cpeer.waitForEvent('friend_name', (e) => e.name === 'toxstate', WAIT_MS, since);

      // toxstate → c-toxcore, with our receipt from its acknowledgement.
      const ourId = node.run((e) => e.messenger.sendMessage(id.pk, 'hello from toxstate'));
      const actionId = node.run((e) => e.messenger.sendMessage(id.pk, 'waves', 'action'));
      await cpeer.waitForEvent('message', (e) => e.text === 'hello from toxstate' && e.type === 'normal', WAIT_MS, since);
      await cpeer.waitForEvent('message', (e) => e.text === 'waves' && e.type === 'action', WAIT_MS, since);
      await waitForApp(log, node, 'receipt', (e) => e.id === actionId);
      expect(log.filter((e) => e.type === 'receipt').map((e) => (e.type === 'receipt' ? e.id : -1))).toEqual([ourId, actionId]);

      // c-toxcore → toxstate, with c-toxcore's receipt from our acknowledgement.
      const theirId = await cpeer.sendMessage(added.friend, 'hello from c-toxcore ✓');
      const m = await waitForApp(log, node, 'message', (e) => e.text === 'hello from c-toxcore ✓');
      expect(m.kind).toBe('normal');
      await cpeer.waitForEvent('receipt', (e) => e.id === theirId, WAIT_MS, since);

      // ALIVE both ways keeps the session past c-toxcore's 8 s ping interval.
      await new Promise((r) => setTimeout(r, 10_000));
      expect(engine.progressOf(id.pk)).toBe('Established');
      expect(engine.counters.get('messenger.alive_received')).toBeGreaterThanOrEqual(1);
      expect(cpeer.events.slice(since).some((e) => e.event === 'friend_connection' && e.status === 'none')).toBe(false);
      expect(engine.counters.sum('drop.net_crypto')).toBe(0);
      expect(engine.counters.get('error.handler')).toBe(0);

      // Our kill packet (id 2) ends the session on the c-toxcore side: the wait is bounded at 5 s,
      // where without the kill c-toxcore would notice only at its 32 s timeout (no timing asserted).
      node.run((e, now) => e.removeFriend(now, id.pk));
      await cpeer.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'none', 5_000, since);
      expect(engine.counters.get('tx.refused_non_loopback')).toBe(0);
    } finally {
      await node.close();
      await cpeer.close();
    }
  }, 60_000);
});
