/**
 * Closing a UdpNode shuts its engine down first, as c-toxcore's tox_kill does: every friend with
 * a session gets a kill packet, so it sees us offline at once instead of after its 32 s timeout;
 * `close({ sendKills: false })` goes silent (a crash). Two toxstate nodes on 127.0.0.1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAllTPeers, TPeer } from '../../harness/interop/tpeer.js';

afterAll(async () => {
  await closeAllTPeers();
});

async function pair(): Promise<{ a: TPeer; b: TPeer }> {
  const a = await TPeer.start({ label: 'A' });
  const b = await TPeer.start({ label: 'B', bootstrap: [a.asBootstrap], friends: [a.pkHex] });
  a.addFriend(b.pkHex);
  await Promise.all([a.waitForEvent('friend_online', undefined, 10_000), b.waitForEvent('friend_online', undefined, 10_000)]);
  return { a, b };
}

describe('UdpNode.close', () => {
  it('sends a kill packet to every friend with a session: the friend goes offline at once', async () => {
    const { a, b } = await pair();
    const mark = a.mark();
    const closedAt = performance.now();
    await b.node.close();
    expect(b.engine.counters.get('net_crypto.kills_sent')).toBe(1);
    const off = await a.waitForEvent('friend_offline', (e) => e.friend === b.pkHex, 5_000, mark);
    expect(off.reason).toMatch(/kill/);
    expect(performance.now() - closedAt).toBeLessThan(5_000);
    expect(a.engine.counters.get('net_crypto.kills_received')).toBe(1);
    expect(b.engine.counters.get('error.handler')).toBe(0);
    await a.close();
  });

  it('with sendKills false closes silently: the friend still has the session', async () => {
    const { a, b } = await pair();
    const mark = a.mark();
    await b.node.close({ sendKills: false });
    expect(b.engine.counters.get('net_crypto.kills_sent')).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.events.slice(mark).some((e) => e.type === 'friend_offline')).toBe(false);
    expect(a.engine.progressOf(b.pkHex)).toBe('Established');
    await a.close();
  });

  it('shutting down an engine with no friends, or one never started, sends nothing', async () => {
    const a = await TPeer.start({ label: 'alone' });
    expect(a.engine.shutdown(a.node.clock())).toBe(0);
    expect(a.engine.takeTransmits()).toEqual([]);
    await a.close();
  });
});
