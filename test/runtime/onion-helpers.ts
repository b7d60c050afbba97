/**
 * Helpers for the onion layer tests: engines with known keys at fixed addresses, and a hand
 * that carries one datagram into an engine and returns what it sent (no network, no clock
 * beyond the `now` passed in).
 */
import type { Bytes } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { Engine, type EngineOptions, type Transmit } from '../../runtime/engine.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';

export function addr(i: number, port = 33445): IpPort {
  return { family: 'ipv4', ip: `127.0.1.${i}`, port };
}

export interface TestNode {
  readonly engine: Engine;
  readonly address: IpPort;
}

/** An engine (not started, so no machine runs unless a test starts it) at `address`. */
export async function onionEngine(seed: number, address: IpPort, extra: Partial<EngineOptions> = {}): Promise<TestNode> {
  const crypto: Crypto = await loadCrypto();
  const random = seededRandom(seed);
  const engine = new Engine({ crypto, random, identity: generateKeyPair(crypto, random), nospam: random.bytes(4), ...extra });
  return { engine, address };
}

/** Delivers one datagram to `node` at `now` and returns what it sent in answer. */
export function hand(node: TestNode, now: number, from: IpPort, data: Bytes): Transmit[] {
  node.engine.handleDatagram(now, from, data);
  return node.engine.takeTransmits();
}

/** A key pair from a seed (tests only). */
export async function keyPair(seed: number): Promise<KeyPair> {
  const crypto = await loadCrypto();
  return generateKeyPair(crypto, seededRandom(seed));
}
