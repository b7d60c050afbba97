/**
 * Our net_crypto decoders against real wire bytes: the golden capture of two c-toxcore 0.2.18
 * peers on loopback (test/fixtures/captures/, made by test/interop/make-golden-capture.ts). The
 * peers' savedata holds their long-term secret keys, which open the handshakes; the session keys
 * are not saved, so crypto data packets are checked through their cleartext nonce bytes and sizes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import {
  COOKIE_RESPONSE_SIZE_BYTES,
  decodeCookieRequestHeader,
  decodeCryptoDataHeader,
  nonceLow16,
  openHandshake,
  recoverNonce,
  type Handshake,
} from '../../protocol/net-crypto/index.js';
import { parseSavedata, serializeSavedata, type Profile } from '../../protocol/profile/index.js';
import { parseIpv4Udp, readPcap } from '../interop/pcap-writer.js';

const DIR = join(import.meta.dirname, '../fixtures/captures');
interface Dgram {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}
let crypto: Crypto;
let dgrams: Dgram[];
let alice: Profile;
let bob: Profile;
let ports: Record<'alice' | 'bob', number>;
let dhtPks: Record<'alice' | 'bob', string>;

beforeAll(async () => {
  crypto = await loadCrypto();
  const pcap = readPcap(new Uint8Array(readFileSync(join(DIR, 'ctoxcore-0.2.18-loopback.pcap'))));
  if (!pcap.ok) throw new Error(pcap.error);
  dgrams = pcap.value.records.map((r) => {
    const p = parseIpv4Udp(r.data);
    if (!p.ok) throw new Error(p.error);
    return { srcPort: p.value.src.port, dstPort: p.value.dst.port, payload: p.value.payload };
  });
  const load = (f: string) => {
    const r = parseSavedata(crypto, new Uint8Array(readFileSync(join(DIR, f))));
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  alice = load('ctoxcore-0.2.18-alice.tox');
  bob = load('ctoxcore-0.2.18-bob.tox');
  const events = readFileSync(join(DIR, 'ctoxcore-0.2.18-loopback.events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as { peer: string; event: string; port?: number; dhtpk?: string });
  const ready = (peer: string) => events.find((e) => e.peer === peer && e.event === 'ready')!;
  ports = { alice: ready('alice').port!, bob: ready('bob').port! };
  dhtPks = { alice: ready('alice').dhtpk!, bob: ready('bob').dhtpk! };
});

const peerOf = (port: number): 'alice' | 'bob' => (port === ports.alice ? 'alice' : 'bob');

describe('c-toxcore 0.2.18 net_crypto packets from the golden capture', () => {
  it('cookie requests decode, carrying the sender’s DHT key; cookie responses are 161 bytes', () => {
    const reqs = dgrams.filter((d) => d.payload[0] === 0x18);
    expect(reqs.length).toBeGreaterThan(0);
    for (const d of reqs) {
      const h = decodeCookieRequestHeader(d.payload);
      expect(h.ok).toBe(true);
      if (h.ok) expect(toHex(h.value.senderDhtPk).toUpperCase()).toBe(dhtPks[peerOf(d.srcPort)]);
    }
    const resps = dgrams.filter((d) => d.payload[0] === 0x19);
    expect(resps.length).toBeGreaterThan(0);
    for (const d of resps) expect(d.payload.length).toBe(COOKIE_RESPONSE_SIZE_BYTES);
  });

  it('handshakes open with the long-term keys and pass the SHA-512 check', () => {
    const shared = crypto.precompute(bob.keys.publicKey, alice.keys.secretKey);
    const hs = dgrams.filter((d) => d.payload[0] === 0x1a);
    expect(hs.length).toBeGreaterThanOrEqual(2);
    for (const d of hs) expect(openHandshake(crypto, shared, d.payload).ok).toBe(true);
    // A different key pair must not open them.
    const wrong = crypto.precompute(bob.keys.publicKey, new Uint8Array(32).fill(1));
    expect(openHandshake(crypto, wrong, hs[0]!.payload).ok).toBe(false);
  });

  it('each side’s data packets count up from the base nonce IT put in its OWN handshake (§4.2, §11.1)', () => {
    const shared = crypto.precompute(bob.keys.publicKey, alice.keys.secretKey);
    const handshakeOf: Partial<Record<'alice' | 'bob', Handshake>> = {};
    for (const d of dgrams) {
      if (d.payload[0] !== 0x1a) continue;
      const o = openHandshake(crypto, shared, d.payload);
      if (o.ok) handshakeOf[peerOf(d.srcPort)] = o.value; // the last one sent is the one in force
    }
    let checked = 0;
    for (const peer of ['alice', 'bob'] as const) {
      const base = handshakeOf[peer]!.baseNonce;
      const sent = dgrams.filter((d) => d.payload[0] === 0x1b && peerOf(d.srcPort) === peer);
      expect(sent.length).toBeGreaterThan(3);
      sent.forEach((d, i) => {
        const h = decodeCryptoDataHeader(d.payload);
        expect(h.ok).toBe(true);
        if (!h.ok) return;
        // The receiver stores the sender's base nonce as recv_nonce; packet i is base + i.
        const r = recoverNonce(base, h.value.nonceLow16);
        expect(r.diff).toBe(i);
        expect(h.value.nonceLow16).toBe((nonceLow16(base) + i) & 0xffff);
        // Padding rule: 8 + pad + L with pad = (1373 − L) mod 8, so (length − 27) ≡ 1373 ≡ 5 (mod 8).
        expect((d.payload.length - 27) % 8).toBe(5);
        checked++;
      });
    }
    expect(checked).toBe(dgrams.filter((d) => d.payload[0] === 0x1b).length);
  });
});

describe('the peers’ savedata (written by c-toxcore 0.2.18 at exit)', () => {
  it('parses with the identities of the capture README, each holding the other as a confirmed friend', () => {
    expect(toHex(alice.keys.publicKey).toUpperCase()).toBe('8F98556472835BEFFAEEB35654DDB894A1D954EDED7D3441FE87435DE2062E46');
    expect(toHex(bob.keys.publicKey).toUpperCase()).toBe('F98BB59B56674342E681280F42F94D0E4E29FFEF935F6FFF5F8BFFDE1B6E250C');
    expect(new TextDecoder().decode(alice.name)).toBe('Alice (renamed)');
    expect(alice.friends.map((f) => [toHex(f.publicKey), f.status])).toEqual([[toHex(bob.keys.publicKey), 3]]);
    expect(bob.friends.map((f) => [toHex(f.publicKey), f.status])).toEqual([[toHex(alice.keys.publicKey), 3]]);
    expect(new TextDecoder().decode(bob.friends[0]!.name)).toBe('Alice (renamed)');
    expect(bob.friends[0]!.lastSeen).toBeGreaterThan(1_700_000_000n);
  });

  it('round-trips both files byte for byte', () => {
    for (const f of ['ctoxcore-0.2.18-alice.tox', 'ctoxcore-0.2.18-bob.tox']) {
      const bytes = new Uint8Array(readFileSync(join(DIR, f)));
      const r = parseSavedata(crypto, bytes);
      expect(r.ok && r.warnings).toEqual([]);
      if (r.ok) expect(toHex(serializeSavedata(r.value))).toBe(toHex(bytes));
    }
  });
});
