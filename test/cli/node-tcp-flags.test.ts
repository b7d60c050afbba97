/**
 * `toxstate node`'s TCP flags through the real command (bin/toxstate.js): --tcp-port serves a
 * relay and the self line names it as IP:PORT:DHTPK; --udp-off with --tcp-relay reaches the
 * network through that relay only; --lan-discovery is accepted; bad values are one-line errors
 * with exit code 2. Everything on 127.0.0.1.
 */
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeProcess, type NodeProcess } from '../../harness/node-process.js';
import { expectOneLineError, toxstate } from './run.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});
const startNode = (args: string[]): NodeProcess => startNodeProcess(args, children);

const KEY = `${'ab'.repeat(31)}01`;

describe('toxstate node TCP flags', () => {
  it.each([
    [['--tcp-port', '70000'], /--tcp-port must be between 0 and 65535, got 70000/],
    [['--tcp-port', 'x'], /--tcp-port must be a whole number/],
    [['--tcp-relay', '127.0.0.1:33445'], /--tcp-relay "127.0.0.1:33445": expected IP:PORT:DHTPK/],
    [['--tcp-relay', `127.0.0.1:0:${KEY}`], /--tcp-relay .*port 0 is out of range/],
    [['--tcp-relay', `127.0.0.1:33445:${'ab'.repeat(31)}`], /--tcp-relay .*the DHT key must be 64 hex characters/],
    [['--tcp-relay', `127.0.0.1:33445:${'ff'.repeat(32)}`], /--tcp-relay .*not a valid DHT key/],
    [['--tcp-relay', `300.1.2.3:33445:${KEY}`], /--tcp-relay "300\.1\.2\.3:33445:.*": /],
    [['--tcp-relay', `192.0.2.1:33445:${KEY}`], /--tcp-relay .*192\.0\.2\.1 is not a loopback address; a relay elsewhere needs --network public/],
    [['--tcp-relay', `[2001:db8::1]:33445:${KEY}`], /--tcp-relay .*2001:db8::1 is not a loopback address/],
    [['--udp-off'], /--udp-off needs at least one --tcp-relay/],
    [['--udp-off', '--bootstrap', `127.0.0.1:33445:${KEY}`], /--udp-off needs at least one --tcp-relay/],
  ])('refuses %j: one line, exit 2', (args, message) => {
    const r = toxstate(['node', '--bind', '127.0.0.1', '--port', '0', '--run-seconds', '0', ...(args as string[])]);
    expectOneLineError(r, message as RegExp);
    expect(r.status).toBe(2);
  });

  it('--help documents the new flags', () => {
    const r = toxstate(['node', '--help']);
    expect(r.status).toBe(0);
    for (const flag of ['--tcp-port N', '--tcp-relay IP:PORT:PK', '--udp-off', '--lan-discovery']) expect(r.stdout).toContain(flag);
  });

  it('--lan-discovery and a loopback --tcp-relay are accepted (the node starts and stops cleanly)', async () => {
    const a = startNode(['--lan-discovery', '--tcp-relay', `127.0.0.1:9:${KEY}`, '--run-seconds', '1']);
    const self = await a.waitFor((e) => e.ev === 'self', 10_000);
    expect(self).toMatchObject({ udp: true });
    expect(self['tcp_relay']).toBeUndefined();
    await a.waitFor((e) => e.ev === 'stopped', 10_000);
    expect(await a.exited()).toBe(0);
  }, 20_000);

  it('--tcp-port serves a relay named IP:PORT:DHTPK; a --udp-off node reaches it with --tcp-relay and sends no datagram', async () => {
    const a = startNode(['--tcp-port', '0', '--run-seconds', '30']);
    const selfA = await a.waitFor((e) => e.ev === 'self', 10_000);
    const relay = String(selfA['tcp_relay']);
    expect(relay).toMatch(/^127\.0\.0\.1:\d+:[0-9A-Fa-f]{64}$/);
    expect(relay.split(':')[2]).toBe(selfA['dhtpk']);
    const tcpPort = Number(relay.split(':')[1]);
    expect(tcpPort).toBeGreaterThan(0);
    expect(tcpPort).not.toBe(selfA['port']); // any free port: not necessarily the UDP one
    // The port takes connections.
    await new Promise<void>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: tcpPort }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });

    const b = startNode(['--udp-off', '--tcp-relay', relay, '--run-seconds', '8']);
    const selfB = await b.waitFor((e) => e.ev === 'self', 10_000);
    expect(selfB).toMatchObject({ udp: false, port: 0 });
    const up = await b.waitFor((e) => e.ev === 'relay_status' && e['online'] === true, 15_000, 'relay_status online');
    expect(up).toMatchObject({ relay: selfA['dhtpk'] });
    const stopped = await b.waitFor((e) => e.ev === 'stopped', 20_000);
    const counters = stopped['counters'] as Record<string, number>;
    expect(counters['tcp.connect']).toBeGreaterThanOrEqual(1);
    expect(counters['tx.datagrams'] ?? 0).toBe(0);
    expect(Object.keys(counters).filter((k) => k.startsWith('tx.refused_tcp'))).toEqual([]);
    await a.stop();
  }, 60_000);
});
