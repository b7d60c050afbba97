/**
 * TCP relays in profiles (c-toxcore's TCP_RELAY section, Messenger.c tcp_relays_save/load): an
 * engine's confirmed relays are saved in place of the old list, a profile without confirmed relays
 * keeps its section, and `toxstate node` uses saved relays only on loopback unless the public
 * network was asked for.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { parseSavedata, pathNodesSection, serializeSavedata, tcpRelaysSection, type Profile } from '../../protocol/profile/savedata.js';
import { SimNetwork } from '../../runtime/adapters/sim-network.js';
import { profileOf } from '../../runtime/profile-bridge.js';
import { savedPathNodes, savedTcpRelays } from '../../cli/node-runner.js';
import { makeEngine } from './helpers.js';
import { newProfile } from '../../runtime/profile-bridge.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { seededRandom } from '../../runtime/random.js';

const TCP_PORT = 33445;

describe('TCP relays in profiles', () => {
  it('saves the confirmed relays of the engine, and keeps the section when none is confirmed', async () => {
    const sim = new SimNetwork({ seed: 41, latencyMs: 5 });
    const client = sim.add(await makeEngine(42));
    const relay = sim.add(await makeEngine(43, { tcpServer: true }));
    relay.tcpPort = TCP_PORT;
    const crypto = await loadCrypto();
    const base: Profile = newProfile(crypto, seededRandom(44));
    const old = tcpRelaysSection([{ transport: 'tcp', ipPort: { family: 'ipv4', ip: '127.9.9.9', port: 1 }, publicKey: new Uint8Array(32).fill(7) }]);
    const withOld: Profile = { ...base, tcpRelays: old };

    // Not confirmed yet: the old section stays.
    expect(profileOf(client.engine, withOld).tcpRelays).toBe(old);

    client.engine.addTcpRelay(sim.now, { ...relay.address, port: TCP_PORT }, relay.engine.keys.dht.publicKey);
    sim.flush([client]);
    sim.runFor(1_000);
    expect(client.engine.tcp.client.confirmedRelays()).toEqual([relay.engine.dhtKeyHex]);

    const saved = profileOf(client.engine, withOld);
    expect(saved.tcpRelays?.nodes?.map((n) => [n.transport, `${n.ipPort.ip}:${n.ipPort.port}`, toHex(n.publicKey)])).toEqual([
      ['tcp', `${relay.address.ip}:${TCP_PORT}`, relay.engine.dhtKeyHex],
    ]);
    // And it survives the file format (what c-toxcore reads back).
    const back = parseSavedata(crypto, serializeSavedata(saved));
    expect(back.ok && back.value.tcpRelays?.nodes?.map((n) => toHex(n.publicKey))).toEqual([relay.engine.dhtKeyHex]);
  });

  it('uses saved relays on loopback only, unless the public network was asked for', () => {
    const at = (ip: string) => ({ transport: 'tcp' as const, ipPort: { family: 'ipv4' as const, ip, port: 3389 }, publicKey: new Uint8Array(32).fill(9) });
    const profile = { tcpRelays: tcpRelaysSection([at('127.0.0.1'), at('203.0.113.5')]) } as Profile;
    expect(savedTcpRelays(profile, false).map((n) => n.ipPort.ip)).toEqual(['127.0.0.1']);
    expect(savedTcpRelays(profile, true).map((n) => n.ipPort.ip)).toEqual(['127.0.0.1', '203.0.113.5']);
    expect(savedTcpRelays({ tcpRelays: null } as Profile, true)).toEqual([]);
  });

  it('saves onion path nodes (PATH_NODE) and loads them only on loopback unless public; a path node is never asked as a DHT node', async () => {
    const engine = await makeEngine(51);
    const crypto = await loadCrypto();
    const base = newProfile(crypto, seededRandom(52));
    expect(profileOf(engine, base).pathNodes).toBeNull();
    const pk = (await makeEngine(53)).keys.dht.publicKey;
    expect(engine.addPathNode(0, { family: 'ipv4', ip: '127.0.0.7', port: 33445 }, pk)).toBe(true);
    expect(engine.addPathNode(0, { family: 'ipv4', ip: '127.0.0.8', port: 33445 }, new Uint8Array(31))).toBe(false);
    expect(engine.counters.get('drop.onion.path_node_refused')).toBe(1);
    // Not a DHT bootstrap: nothing was sent to it.
    expect(engine.takeTransmits()).toEqual([]);
    const saved = profileOf(engine, base);
    expect(saved.pathNodes?.nodes?.map((n) => [n.transport, `${n.ipPort.ip}:${n.ipPort.port}`, toHex(n.publicKey)])).toEqual([['udp', '127.0.0.7:33445', toHex(pk)]]);

    const at = (ip: string) => ({ transport: 'udp' as const, ipPort: { family: 'ipv4' as const, ip, port: 33445 }, publicKey: pk });
    const profile = { pathNodes: pathNodesSection([at('127.0.0.1'), at('198.51.100.4')]) } as Profile;
    expect(savedPathNodes(profile, false).map((n) => n.ipPort.ip)).toEqual(['127.0.0.1']);
    expect(savedPathNodes(profile, true).map((n) => n.ipPort.ip)).toEqual(['127.0.0.1', '198.51.100.4']);
  });
});
