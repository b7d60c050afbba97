/**
 * The arguments of `ToxEngine.bootstrap`, checked: a node given as an `IpPort` and a DHT key
 * (32 bytes, or 64 hex characters), or as one `"IP:PORT:DHTKEY"` string (IPv6 as
 * `"[addr]:PORT:DHTKEY"`), the form c-toxcore's bootstrap node lists and `toxstate node
 * --bootstrap` use (tox.h tox_bootstrap takes the host, port and key separately). Bad input is
 * the embedder's mistake, not the network's: it throws a TypeError that names the argument.
 */
import { fromHex, type Bytes } from '../protocol/bytes.js';
import { PUBLIC_KEY_SIZE_BYTES } from '../protocol/crypto.js';
import { makeIpPort, parseIpPort, type IpPort } from '../protocol/ip-port.js';

export interface BootstrapNode {
  readonly ipPort: IpPort;
  readonly dhtPk: Bytes;
}

const HEX_KEY_LENGTH = PUBLIC_KEY_SIZE_BYTES * 2;
const show = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'object'}` : typeof v);

/** The DHT key: 32 bytes, or 64 hex characters (either case). */
export function bootstrapKey(dhtPk: unknown, argument = 'dhtPk'): Bytes {
  if (typeof dhtPk === 'string') {
    const bytes = dhtPk.length === HEX_KEY_LENGTH ? fromHex(dhtPk) : null;
    if (!bytes?.ok) throw new TypeError(`bootstrap: ${argument} must be ${HEX_KEY_LENGTH} hex characters or ${PUBLIC_KEY_SIZE_BYTES} bytes, got the string ${show(dhtPk)}`);
    return bytes.value;
  }
  if (!(dhtPk instanceof Uint8Array)) throw new TypeError(`bootstrap: ${argument} must be ${HEX_KEY_LENGTH} hex characters or ${PUBLIC_KEY_SIZE_BYTES} bytes, got ${kind(dhtPk)}`);
  if (dhtPk.length !== PUBLIC_KEY_SIZE_BYTES) throw new TypeError(`bootstrap: ${argument} must be ${PUBLIC_KEY_SIZE_BYTES} bytes, got ${dhtPk.length}`);
  return dhtPk;
}

/** `"IP:PORT:DHTKEY"` or `"[IPv6]:PORT:DHTKEY"`. */
export function parseBootstrapNode(text: string, argument = 'node'): BootstrapNode {
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new TypeError(`bootstrap: ${argument} must be "IP:PORT:DHTKEY" (IPv6 as "[addr]:PORT:DHTKEY"), got ${show(text)}`);
  const address = parseIpPort(text.slice(0, colon));
  if (!address.ok) throw new TypeError(`bootstrap: ${argument} must be "IP:PORT:DHTKEY" (IPv6 as "[addr]:PORT:DHTKEY"), got ${show(text)}: ${address.error}`);
  if (address.value.port === 0) throw new TypeError(`bootstrap: ${argument} ${show(text)}: port 0`);
  return { ipPort: address.value, dhtPk: bootstrapKey(text.slice(colon + 1), `${argument}'s DHT key`) };
}

/** The node `bootstrap(now, node, dhtPk?)` was given: a string alone, or an address and a key. */
export function bootstrapNode(node: unknown, dhtPk: unknown): BootstrapNode {
  if (typeof node === 'string') {
    if (dhtPk !== undefined) throw new TypeError('bootstrap: give the node as "IP:PORT:DHTKEY" alone, or as an IpPort and dhtPk');
    return parseBootstrapNode(node);
  }
  if (typeof node !== 'object' || node === null) throw new TypeError(`bootstrap: ipPort must be an IpPort ({ family, ip, port }) or an "IP:PORT:DHTKEY" string, got ${kind(node)}`);
  const { family, ip, port } = node as Partial<IpPort>;
  const address = typeof ip === 'string' && typeof port === 'number' && port > 0 ? makeIpPort(ip, port) : null;
  if (!address?.ok || address.value.family !== family) throw new TypeError(`bootstrap: ipPort must be { family: 'ipv4' | 'ipv6', ip, port 1..65535 }, got ${(JSON.stringify(node) ?? '').slice(0, 120)}`);
  return { ipPort: address.value, dhtPk: bootstrapKey(dhtPk) };
}
