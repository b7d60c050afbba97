/**
 * Nothing thrown inside a UdpNode's socket and timer handlers escapes them (issue 13 item 1: an
 * exception in an application listener, reached by one datagram, ended the process): a listener
 * or command that throws is counted, reported as an `error` event, and the node keeps serving.
 * Sends to port 0 (which a peer can name, and on which Node's send throws) are refused. Real
 * sockets on 127.0.0.1.
 */
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFriendRequestPayload } from '../../protocol/onion/index.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import type { AppEvent } from '../../runtime/app-events.js';
import { generateKeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { Attacker } from '../../harness/reliability/lib.js';
import { makeEngine } from './helpers.js';

const nodes: UdpNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close({ sendKills: false })));
});

const until = async (pred: () => boolean, ms = 5_000): Promise<void> => {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('UdpNode contains exceptions', () => {
  it('a listener that throws on an event a datagram raised: counted, reported, and the node keeps serving', async () => {
    const crypto = await loadCrypto();
    const node = await UdpNode.start(await makeEngine(1301), { bind: '127.0.0.1', port: 0 });
    nodes.push(node);
    const seen: AppEvent[] = [];
    node.onEvent((e) => {
      if (e.type === 'friend_request') throw new Error('listener bug');
    });
    node.onEvent((e) => seen.push(e));
    // Two friend requests as onion data, from a socket of our own.
    const attacker = new Attacker(crypto, node.engine, 1302);
    const r = seededRandom(1303);
    const sock = createSocket('udp4');
    for (let i = 0; i < 2; i++) {
      const packet = attacker.onionData(generateKeyPair(crypto, r), encodeFriendRequestPayload({ nospam: node.engine.nospam, message: new TextEncoder().encode(`hello ${i}`) }));
      await new Promise<void>((resolve) => sock.send(packet, node.address.port, '127.0.0.1', () => resolve()));
    }
    await until(() => seen.filter((e) => e.type === 'friend_request').length === 2);
    sock.close();
    await until(() => seen.filter((e) => e.type === 'error').length === 2);
    expect(node.engine.counters.get('error.listener')).toBe(2);
    const errors = seen.filter((e): e is Extract<AppEvent, { type: 'error' }> => e.type === 'error');
    expect(errors.map((e) => [e.source, e.message])).toEqual([
      ['listener', 'listener bug'],
      ['listener', 'listener bug'],
    ]);
    expect(node.lastError).toMatch(/listener bug/);
  });

  it('a command that throws: rethrown to the caller, counted, reported; its outputs still move', async () => {
    const node = await UdpNode.start(await makeEngine(1304), { bind: '127.0.0.1', port: 0 });
    nodes.push(node);
    const seen: AppEvent[] = [];
    node.onEvent((e) => seen.push(e));
    const pk = generateKeyPair(await loadCrypto(), seededRandom(1305)).publicKey;
    expect(() =>
      node.run((e, now) => {
        e.addFriend(now, pk);
        throw new Error('command bug');
      }),
    ).toThrow('command bug');
    expect(node.engine.counters.get('error.command')).toBe(1);
    expect(seen.map((e) => e.type)).toContain('friend_added');
    expect(seen.find((e) => e.type === 'error')).toMatchObject({ source: 'command', message: 'command bug' });
  });

  it('a command that throws inside a listener is reported once, as a command error', async () => {
    const node = await UdpNode.start(await makeEngine(1308), { bind: '127.0.0.1', port: 0 });
    nodes.push(node);
    const seen: AppEvent[] = [];
    node.onEvent((e) => {
      if (e.type !== 'profile_changed') return;
      node.run(() => {
        throw new Error('from a listener');
      });
    });
    node.onEvent((e) => seen.push(e));
    node.run((e, now) => e.setName(now, 'x'));
    expect(node.engine.counters.get('error.command')).toBe(1);
    expect(node.engine.counters.get('error.listener')).toBe(0);
    expect(seen.filter((e) => e.type === 'error')).toMatchObject([{ source: 'command', message: 'from a listener' }]);
  });

  it('a listener that throws on the error events too is only counted: no loop', async () => {
    const node = await UdpNode.start(await makeEngine(1306), { bind: '127.0.0.1', port: 0 });
    nodes.push(node);
    let calls = 0;
    node.onEvent(() => {
      calls++;
      throw new Error('always');
    });
    node.run((e, now) => e.setName(now, 'x'));
    expect(node.engine.counters.get('error.listener')).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThan(10);
  });

  it('refuses to send to port 0 (Node would throw inside the handler)', async () => {
    const node = await UdpNode.start(await makeEngine(1307), { bind: '127.0.0.1', port: 0 });
    nodes.push(node);
    node.run((e) => e.send({ family: 'ipv4', ip: '127.0.0.1', port: 0 }, new Uint8Array(8)));
    expect(node.engine.counters.get('tx.refused_bad_port')).toBe(1);
  });
});
