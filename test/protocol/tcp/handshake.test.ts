/**
 * protocol/tcp/handshake.ts and openTcpSession (docs/protocol.md §14.1): the 128-byte client and
 * 96-byte relay handshakes, their byte layout (c-toxcore TCP_client.c generate_handshake,
 * TCP_server.c handle_TCP_handshake), and that the two sides end with matching ciphers: the
 * client's send nonce is the relay's receive nonce and the other way round.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, equalBytes, toHex } from '../../../protocol/bytes.js';
import {
  TCP_CLIENT_HANDSHAKE_SIZE,
  TCP_SERVER_HANDSHAKE_SIZE,
  TcpCipher,
  TcpFrameReader,
  decodeClientHandshake,
  decodeServerHandshake,
  encodeClientHandshake,
  encodeServerHandshake,
  openTcpSession,
  type TcpSessionSecrets,
} from '../../../protocol/tcp/index.js';
import { loadCrypto, type Crypto } from '../../../runtime/adapters/node-crypto.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

function keyPair(seed: number): { pk: Uint8Array; sk: Uint8Array } {
  const sk = new Uint8Array(32).fill(seed);
  sk[0] = seed ^ 0x5a;
  return { sk, pk: crypto.publicKeyFromSecret(sk) };
}

function secrets(seed: number, baseNonce: Uint8Array): TcpSessionSecrets {
  const kp = keyPair(seed);
  return { tempPublicKey: kp.pk, tempSecretKey: kp.sk, baseNonce };
}

/** Runs both handshakes between a fresh client and relay; returns both ciphers. */
function connect(clientSeed: number, serverSeed: number, clientBase: Uint8Array, serverBase: Uint8Array) {
  const client = keyPair(clientSeed);
  const server = keyPair(serverSeed);
  const cs = secrets(clientSeed + 100, clientBase);
  const ss = secrets(serverSeed + 100, serverBase);
  const hello = encodeClientHandshake(crypto, { clientPk: client.pk, clientSk: client.sk, serverPk: server.pk, secrets: cs, nonce: new Uint8Array(24).fill(1) });
  const got = decodeClientHandshake(crypto, server.sk, hello);
  if (!got.ok) throw new Error(got.error);
  const answer = encodeServerHandshake(crypto, { serverSk: server.sk, clientPk: got.value.clientPk, secrets: ss, nonce: new Uint8Array(24).fill(2) });
  const back = decodeServerHandshake(crypto, { clientSk: client.sk, serverPk: server.pk }, answer);
  if (!back.ok) throw new Error(back.error);
  const clientCipher = openTcpSession(crypto, cs, back.value);
  const serverCipher = openTcpSession(crypto, ss, got.value);
  if (!clientCipher.ok || !serverCipher.ok) throw new Error('session');
  return { client, server, cs, ss, hello, answer, got: got.value, back: back.value, c: clientCipher.value, s: serverCipher.value };
}

describe('client handshake (128 bytes)', () => {
  it('is [client pk 32][nonce 24][box 72] and opens at the relay to the client pk, temp pk and base nonce', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 200 }), bytes(24), bytes(24), (a, b, base, nonce) => {
        fc.pre(a !== b);
        const client = keyPair(a);
        const server = keyPair(b);
        const cs = secrets(a + 1, base);
        const hello = encodeClientHandshake(crypto, { clientPk: client.pk, clientSk: client.sk, serverPk: server.pk, secrets: cs, nonce });
        expect(hello.length).toBe(TCP_CLIENT_HANDSHAKE_SIZE);
        expect(toHex(hello.subarray(0, 32))).toBe(toHex(client.pk));
        expect(toHex(hello.subarray(32, 56))).toBe(toHex(nonce));
        // The box is crypto_box(shared(client sk, relay pk), nonce){ temp pk ‖ base nonce }.
        const plain = crypto.open(crypto.precompute(server.pk, client.sk), nonce, hello.subarray(56));
        expect(plain && toHex(plain)).toBe(toHex(concat(cs.tempPublicKey, base)));
        const d = decodeClientHandshake(crypto, server.sk, hello);
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        expect(equalBytes(d.value.clientPk, client.pk)).toBe(true);
        expect(equalBytes(d.value.tempPk, cs.tempPublicKey)).toBe(true);
        expect(equalBytes(d.value.baseNonce, base)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('is refused by a relay with another key, when tampered with, and at any other length', () => {
    const k = connect(1, 2, new Uint8Array(24), new Uint8Array(24));
    const other = keyPair(3);
    const wrong = decodeClientHandshake(crypto, other.sk, k.hello);
    expect(wrong).toEqual({ ok: false, error: 'tcp client handshake: box does not authenticate' });
    for (const at of [0, 31, 32, 55, 56, 127]) {
      const t = k.hello.slice();
      t[at]! ^= 0x01;
      expect(decodeClientHandshake(crypto, k.server.sk, t).ok, `flip at ${at}`).toBe(false);
    }
    for (const n of [0, 1, 127, 129, 256]) {
      const d = decodeClientHandshake(crypto, k.server.sk, new Uint8Array(n));
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.error).toContain('length');
    }
    expect(decodeClientHandshake(crypto, k.server.sk, concat(k.hello, new Uint8Array(1))).ok).toBe(false);
  });

  it('never throws on hostile bytes (an all-zero client key is refused as an error)', () => {
    const server = keyPair(9);
    const zeroKey = new Uint8Array(TCP_CLIENT_HANDSHAKE_SIZE);
    expect(decodeClientHandshake(crypto, server.sk, zeroKey)).toEqual({ ok: false, error: 'tcp client handshake: client public key is not usable' });
    fc.assert(
      fc.property(bytes(TCP_CLIENT_HANDSHAKE_SIZE), (junk) => {
        expect(decodeClientHandshake(crypto, server.sk, junk).ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});

describe('relay handshake (96 bytes)', () => {
  it('is [nonce 24][box 72], keyed with shared(relay sk, client pk)', () => {
    const k = connect(4, 5, new Uint8Array(24).fill(7), new Uint8Array(24).fill(8));
    expect(k.answer.length).toBe(TCP_SERVER_HANDSHAKE_SIZE);
    expect(toHex(k.answer.subarray(0, 24))).toBe('02'.repeat(24));
    const plain = crypto.open(crypto.precompute(k.client.pk, k.server.sk), k.answer.subarray(0, 24), k.answer.subarray(24));
    expect(plain && toHex(plain)).toBe(toHex(concat(k.ss.tempPublicKey, k.ss.baseNonce)));
    expect(toHex(k.back.tempPk)).toBe(toHex(k.ss.tempPublicKey));
    expect(toHex(k.back.baseNonce)).toBe('08'.repeat(24));
  });

  it('is refused by a client expecting another relay key, or with another client key, or tampered, or at another length', () => {
    const k = connect(4, 5, new Uint8Array(24), new Uint8Array(24));
    const other = keyPair(6);
    expect(decodeServerHandshake(crypto, { clientSk: k.client.sk, serverPk: other.pk }, k.answer)).toEqual({
      ok: false,
      error: 'tcp server handshake: box does not authenticate',
    });
    expect(decodeServerHandshake(crypto, { clientSk: other.sk, serverPk: k.server.pk }, k.answer).ok).toBe(false);
    for (const at of [0, 23, 24, 95]) {
      const t = k.answer.slice();
      t[at]! ^= 0x80;
      expect(decodeServerHandshake(crypto, { clientSk: k.client.sk, serverPk: k.server.pk }, t).ok, `flip at ${at}`).toBe(false);
    }
    for (const n of [0, 95, 97, 128]) {
      expect(decodeServerHandshake(crypto, { clientSk: k.client.sk, serverPk: k.server.pk }, new Uint8Array(n)).ok).toBe(false);
    }
    // The client's own 128-byte handshake is not a relay answer.
    expect(decodeServerHandshake(crypto, { clientSk: k.client.sk, serverPk: k.server.pk }, k.hello).ok).toBe(false);
  });

  it('encoders throw on wrong argument lengths (our own bug, never input)', () => {
    const c = keyPair(1);
    const s = secrets(2, new Uint8Array(24));
    expect(() => encodeClientHandshake(crypto, { clientPk: c.pk, clientSk: c.sk, serverPk: c.pk, secrets: s, nonce: new Uint8Array(23) })).toThrow();
    expect(() => encodeClientHandshake(crypto, { clientPk: c.pk.subarray(1), clientSk: c.sk, serverPk: c.pk, secrets: s, nonce: new Uint8Array(24) })).toThrow();
    expect(() => encodeServerHandshake(crypto, { serverSk: c.sk, clientPk: c.pk, secrets: { ...s, baseNonce: new Uint8Array(8) }, nonce: new Uint8Array(24) })).toThrow();
  });
});

describe('after the handshake: matching cipher pairs', () => {
  it("client send nonce = relay receive nonce = the client's base nonce, and the other way round", () => {
    const cb = new Uint8Array(24).fill(0x11);
    const sb = new Uint8Array(24).fill(0x22);
    const k = connect(10, 11, cb, sb);
    expect(toHex(k.c.sendNonce)).toBe(toHex(cb));
    expect(toHex(k.s.recvNonce)).toBe(toHex(cb));
    expect(toHex(k.s.sendNonce)).toBe(toHex(sb));
    expect(toHex(k.c.recvNonce)).toBe(toHex(sb));
  });

  it('a frame sealed by either side opens on the other, 100 in a row each way, through a frame reader', () => {
    fc.assert(
      fc.property(bytes(24), bytes(24), (cb, sb) => {
        const { c, s } = connect(12, 13, cb, sb);
        const toServer = new TcpFrameReader();
        const toClient = new TcpFrameReader();
        for (let i = 0; i < 100; i++) {
          const up = Uint8Array.of(i, 1, 2, 3);
          const down = Uint8Array.of(255 - i, 9);
          toServer.push(c.seal(up));
          toClient.push(s.seal(down));
          const gotUp = s.open(toServer.next()!);
          const gotDown = c.open(toClient.next()!);
          expect(gotUp && toHex(gotUp)).toBe(toHex(up));
          expect(gotDown && toHex(gotDown)).toBe(toHex(down));
        }
        expect(toServer.next()).toBeNull();
        expect(toServer.error).toBeNull();
      }),
      { numRuns: 5 },
    );
  });

  it('a session key from the wrong temp key does not open the frames', () => {
    const k = connect(14, 15, new Uint8Array(24), new Uint8Array(24).fill(1));
    const mallory = openTcpSession(crypto, secrets(99, k.ss.baseNonce), k.got);
    expect(mallory.ok).toBe(true);
    if (!mallory.ok) return;
    const frame = k.c.seal(Uint8Array.of(4, 1, 2, 3, 4, 5, 6, 7, 8));
    expect(mallory.value.open(frame.subarray(2))).toBeNull();
    expect(k.s.open(frame.subarray(2))).not.toBeNull();
  });

  it('openTcpSession refuses an unusable peer temp key or wrong lengths without throwing', () => {
    const own = secrets(20, new Uint8Array(24));
    expect(openTcpSession(crypto, own, { tempPk: new Uint8Array(32), baseNonce: new Uint8Array(24) }).ok).toBe(false);
    expect(openTcpSession(crypto, own, { tempPk: new Uint8Array(31), baseNonce: new Uint8Array(24) }).ok).toBe(false);
    expect(openTcpSession(crypto, own, { tempPk: keyPair(21).pk, baseNonce: new Uint8Array(23) }).ok).toBe(false);
    const fine = openTcpSession(crypto, own, { tempPk: keyPair(21).pk, baseNonce: new Uint8Array(24) });
    expect(fine.ok && fine.value instanceof TcpCipher).toBe(true);
  });
});
