/**
 * The dissector on the golden capture (test/fixtures/captures/: two c-toxcore 0.2.18 peers on
 * loopback, with their savedata): it names every datagram c-toxcore sent, finds every one valid,
 * and with both peers' profiles opens the handshakes and the self-announces, learning the
 * announce nodes' DHT keys from the capture itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { dissectDatagrams, hexUpper, type DissectInput, type DissectProfile, type JsonObject } from '../../protocol/dissect/index.js';
import { formatIpPort } from '../../protocol/ip-port.js';
import { parseSavedata } from '../../protocol/profile/index.js';
import { parseCapture, udpFromFrame } from '../../protocol/pcap.js';

const DIR = join(import.meta.dirname, '../fixtures/captures');
let crypto: Crypto;
let inputs: DissectInput[];
let profiles: DissectProfile[];
let keyless: JsonObject[];
let keyed: JsonObject[];
const ready: Record<string, { pk: string; dhtpk: string; port: number }> = {};

beforeAll(async () => {
  crypto = await loadCrypto();
  const capture = parseCapture(new Uint8Array(readFileSync(join(DIR, 'ctoxcore-0.2.18-loopback.pcap'))));
  if (!capture.ok) throw new Error(capture.error);
  inputs = capture.value.records.map((r) => {
    const u = udpFromFrame(r.linktype, r.data);
    if (!u.ok) throw new Error(u.skip);
    return { payload: u.value.payload, size: u.value.size, src: u.value.src, dst: u.value.dst };
  });
  profiles = ['alice', 'bob'].map((name) => {
    const p = parseSavedata(crypto, new Uint8Array(readFileSync(join(DIR, `ctoxcore-0.2.18-${name}.tox`))));
    if (!p.ok) throw new Error(p.error);
    return { label: name, publicKey: p.value.keys.publicKey, secretKey: p.value.keys.secretKey, friendPks: p.value.friends.map((f) => f.publicKey) };
  });
  for (const line of readFileSync(join(DIR, 'ctoxcore-0.2.18-loopback.events.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { peer: string; event: string; pk?: string; dhtpk?: string; port?: number };
    if (e.event === 'ready') ready[e.peer] = { pk: e.pk!, dhtpk: e.dhtpk!, port: e.port! };
  }
  keyless = dissectDatagrams(inputs);
  keyed = dissectDatagrams(inputs, { crypto, profiles });
});

const peerAt = (address: string): string => Object.keys(ready).find((p) => `127.0.0.1:${ready[p]!.port}` === address)!;

describe('the golden capture, without keys', () => {
  it('names every datagram: no unknown kind, counts as in the capture README', () => {
    const counts: Record<string, number> = {};
    for (const d of keyless) counts[d.kind as string] = (counts[d.kind as string] ?? 0) + 1;
    expect(counts.unknown).toBeUndefined();
    // The "Datagrams by first byte" table of test/fixtures/captures/README.md.
    expect(counts).toEqual({
      ping_request: 2,
      ping_response: 2,
      nodes_request: 38,
      nodes_response: 35,
      cookie_request: 4,
      cookie_response: 1,
      handshake: 2,
      crypto_data: 26,
      onion_request_0: 145,
      onion_request_1: 131,
      onion_request_2: 122,
      announce_request: 117,
      announce_response: 116,
      onion_data_request: 5,
      onion_data_response: 5,
      onion_response_3: 121,
      onion_response_2: 121,
      onion_response_1: 121,
      data_search_request: 2,
      data_search_response: 2,
    });
  });

  it('finds every datagram valid, including the responses nested in onion responses', () => {
    const invalid = keyless.filter((d) => d.valid !== true || (d.payload !== undefined && (d.payload as JsonObject).valid !== true));
    expect(invalid).toEqual([]);
    expect(keyless.every((d) => d.decrypted === undefined && d.decrypt_error === undefined && d.derived === undefined)).toBe(true);
  });

  it('shows the DHT keys of the README identity table in the clear', () => {
    for (const [i, d] of keyless.entries()) {
      if (d.kind !== 'nodes_request' && d.kind !== 'cookie_request' && d.kind !== 'onion_request_0') continue;
      expect(d.sender_pk).toBe(ready[peerAt(formatIpPort(inputs[i]!.src!))]!.dhtpk);
    }
  });
});

describe('the golden capture, with both peers’ profiles', () => {
  it('opens both handshakes, whose cookie hashes check', () => {
    const hs = keyed.filter((d) => d.kind === 'handshake');
    expect(hs.length).toBe(2);
    for (const h of hs) {
      const dec = h.decrypted as JsonObject;
      expect(dec).toBeDefined();
      expect(dec.cookie_hash_ok).toBe(true);
      expect([...(dec.between as string[])].sort()).toEqual([ready.alice!.pk, ready.bob!.pk].sort());
    }
    // The second handshake's outer cookie is the other_cookie the first one carried (§4.2).
    expect(hs[1]!.cookie).toBe((hs[0]!.decrypted as JsonObject).other_cookie);
  });

  it('recovers every crypto data nonce, counting up from its sender’s base nonce', () => {
    const next: Record<string, number> = {};
    let n = 0;
    for (const [i, d] of keyed.entries()) {
      if (d.kind !== 'crypto_data') continue;
      const derived = d.derived as JsonObject;
      expect(derived).toBeDefined();
      const dir = `${formatIpPort(inputs[i]!.src!)}>${formatIpPort(inputs[i]!.dst!)}`;
      expect(derived.nonce_index).toBe(next[dir] ?? 0);
      next[dir] = (derived.nonce_index as number) + 1;
      n++;
    }
    expect(n).toBe(26);
    expect(Object.keys(next).length).toBe(2);
  });

  it('opens every self-announce request with the DHT key of the node it went to', () => {
    const own = new Set([ready.alice!.pk, ready.bob!.pk]);
    let opened = 0;
    for (const [i, d] of keyed.entries()) {
      if (d.kind !== 'announce_request') continue;
      if (!own.has(d.sender_pk as string)) {
        expect(d.decrypted).toBeUndefined(); // friend searches use a per-friend temp key
        continue;
      }
      const dec = d.decrypted as JsonObject;
      expect(dec).toBeDefined();
      expect(dec.announce).toBe('self');
      expect(dec.searched_pk).toBe(d.sender_pk);
      expect(dec.announce_node_pk).toBe(ready[peerAt(formatIpPort(inputs[i]!.dst!))]!.dhtpk);
      opened++;
    }
    expect(opened).toBeGreaterThan(50);
  });

  it('opens the announce responses that answer them, wherever they travel', () => {
    const sendbacks = new Set(keyed.filter((d) => d.kind === 'announce_request' && d.decrypted).map((d) => (d.decrypted as JsonObject).sendback));
    const responses = keyed.flatMap((d) => (d.kind === 'announce_response' ? [d] : d.payload && (d.payload as JsonObject).kind === 'announce_response' ? [d.payload as JsonObject] : []));
    let opened = 0;
    for (const r of responses) {
      if (sendbacks.has(r.sendback)) {
        const dec = r.decrypted as JsonObject;
        expect(dec).toBeDefined();
        expect([0, 1, 2]).toContain(dec.is_stored);
        expect(dec.nodes).toBeInstanceOf(Array);
        opened++;
      } else {
        expect(r.decrypted).toBeUndefined();
        expect(r.decrypt_error).toMatch(/no profile key opens it/);
      }
    }
    expect(opened).toBeGreaterThan(100);
    // Some self-announces got stored: is_stored 2 answers a re-announce carrying the ping id.
    expect(responses.some((r) => (r.decrypted as JsonObject | undefined)?.is_stored === 2)).toBe(true);
  });

  it('labels what it opened with the profile that opened it', () => {
    const labels = new Set(keyed.filter((d) => d.kind === 'announce_request' && d.decrypted).map((d) => (d.decrypted as JsonObject).profile));
    expect([...labels].sort()).toEqual(['alice', 'bob']);
    expect(hexUpper(profiles[0]!.publicKey)).toBe(ready.alice!.pk);
  });
});
