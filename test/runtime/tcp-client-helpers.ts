/**
 * Helpers for the TCP relay client tests (runtime/tcp/client.ts): a real Engine that uses one or
 * more relays, each relay played by hand with the protocol/tcp codecs — the engine opens its
 * stream (`takeStreamOps`), the test says it connected (`handleStreamOpened`), reads the 128-byte
 * client handshake, answers with a 96-byte relay handshake (or anything else) and exchanges
 * frames over `handleStreamData` / `handleStreamClosed`, as c-toxcore's TCP_server.c would
 * (handle_TCP_handshake, handle_TCP_packet).
 */
import type { Bytes } from '../../protocol/bytes.js';
import { toHex } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import type { IpPort } from '../../protocol/ip-port.js';
import {
  decodeClientHandshake,
  decodeTcpPacket,
  encodeServerHandshake,
  encodeTcpPacket,
  openTcpSession,
  TCP_CLIENT_HANDSHAKE_SIZE,
  TcpFrameReader,
  type TcpCipher,
  type TcpPacket,
} from '../../protocol/tcp/index.js';
import type { TcpRelaySnapshot, TcpRelayState } from '../../machines/tcp-relay.js';
import type { Engine } from '../../runtime/engine.js';
import type { KeyPair } from '../../runtime/keys.js';
import type { StreamOp } from '../../runtime/tox-engine.js';
import { relayActorKey } from '../../runtime/tcp/wiring.js';
import { takePackets } from './tcp-server-helpers.js';

/** One connection the engine opened to a hand-played relay. */
export class HandConn {
  readonly reader = new TcpFrameReader({ maxFrame: 0xffff });
  /** The relay's side of the session once the client's handshake arrived and was answered. */
  cipher: TcpCipher | null = null;
  clientPk: Bytes | null = null;
  /** Packets the client sent (decoded as the relay would). */
  readonly packets: TcpPacket[] = [];
  readonly errors: string[] = [];
  closed = false;
  private raw: Bytes = new Uint8Array(0);

  constructor(
    readonly relay: HandRelay,
    readonly id: number,
  ) {}

  /** Bytes the client wrote. */
  receive(data: Bytes): void {
    if (this.cipher === null && this.clientPk === null) {
      const all = new Uint8Array(this.raw.length + data.length);
      all.set(this.raw);
      all.set(data, this.raw.length);
      this.raw = all;
      if (this.raw.length < TCP_CLIENT_HANDSHAKE_SIZE) return;
      data = this.raw.subarray(TCP_CLIENT_HANDSHAKE_SIZE);
      const hs = decodeClientHandshake(this.relay.crypto, this.relay.keys.secretKey, this.raw.subarray(0, TCP_CLIENT_HANDSHAKE_SIZE));
      if (!hs.ok) return void this.errors.push(hs.error);
      this.clientPk = hs.value.clientPk;
      this.clientTemp = { tempPk: hs.value.tempPk, baseNonce: hs.value.baseNonce };
    }
    this.reader.push(data);
    if (this.cipher === null) return;
    for (let box = this.reader.next(); box !== null; box = this.reader.next()) {
      const plain = this.cipher.open(box);
      if (plain === null) return void this.errors.push('frame does not open');
      const p = decodeTcpPacket(plain, 'server');
      if (!p.ok) return void this.errors.push(p.error);
      this.packets.push(p.value);
    }
  }

  private clientTemp: { tempPk: Bytes; baseNonce: Bytes } | null = null;

  /** The relay's 96-byte answer, and the session (TCP_server.c handle_TCP_handshake). */
  accept(): void {
    if (this.clientPk === null || this.clientTemp === null) throw new Error('no client handshake yet');
    const { crypto, keys } = this.relay;
    const seed = this.id & 0xff;
    const tempSecretKey = new Uint8Array(32).map((_, i) => (seed * 31 + i * 7 + 5) & 0xff);
    const secrets = { tempPublicKey: crypto.publicKeyFromSecret(tempSecretKey), tempSecretKey, baseNonce: new Uint8Array(24).fill(seed ^ 0x5a) };
    const session = openTcpSession(crypto, secrets, this.clientTemp);
    if (!session.ok) throw new Error(session.error);
    // Ready before the answer goes out: the client's first ping comes back within the same input.
    this.cipher = session.value;
    this.rawSend(encodeServerHandshake(crypto, { serverSk: keys.secretKey, clientPk: this.clientPk, secrets, nonce: new Uint8Array(24).fill(7) }));
  }

  /** Bytes on the stream as they are. */
  rawSend(bytes: Bytes): void {
    this.relay.engine.handleStreamData(this.relay.now, this.id, bytes);
    this.relay.pump();
  }

  /** One packet in one encrypted frame. */
  send(p: TcpPacket): void {
    this.rawSend(this.seal(p));
  }

  /** A packet sealed as the next frame (not sent). */
  seal(p: TcpPacket): Bytes {
    if (this.cipher === null) throw new Error('no session');
    return this.cipher.seal(encodeTcpPacket(p));
  }

  /** The relay closes the connection (or the network breaks it). */
  close(): void {
    this.relay.engine.handleStreamClosed(this.relay.now, this.id);
    this.relay.pump();
  }

  /** Removes and returns the received packets of one type. */
  take<T extends TcpPacket['type']>(type: T): Array<Extract<TcpPacket, { type: T }>> {
    return takePackets(this.packets, type);
  }
}

/** A relay played by hand for one client engine: every stream the engine opens to `address`. */
export class HandRelay {
  readonly conns: HandConn[] = [];
  /** Every op the engine issued for this relay's streams, with the time. */
  readonly log: Array<{ at: number; op: StreamOp['op']; id: number }> = [];
  now = 0;

  constructor(
    readonly engine: Engine,
    readonly crypto: Crypto,
    readonly keys: KeyPair,
    readonly address: IpPort,
  ) {}

  get hex(): string {
    return toHex(this.keys.publicKey);
  }

  /** The relay's actor state in the client engine. */
  get state(): TcpRelayState | undefined {
    return (this.engine.actors.get(relayActorKey(this.hex))?.snapshot as TcpRelaySnapshot | undefined)?.value as TcpRelayState | undefined;
  }

  /** The newest connection. */
  get conn(): HandConn {
    const c = this.conns[this.conns.length - 1];
    if (c === undefined) throw new Error('no connection');
    return c;
  }

  /** Moves what the engine asked for to the hand-played connections. */
  pump(): void {
    for (const op of this.engine.takeStreamOps()) {
      if (op.op === 'open') {
        if (op.to.ip !== this.address.ip || op.to.port !== this.address.port) continue;
        this.conns.push(new HandConn(this, op.id));
        this.log.push({ at: this.now, op: op.op, id: op.id });
        continue;
      }
      const c = this.conns.find((x) => x.id === op.id);
      if (c === undefined) continue;
      this.log.push({ at: this.now, op: op.op, id: op.id });
      if (op.op === 'write') c.receive(op.data);
      else c.closed = true;
    }
  }

  /** The newest connection's socket connects (the client's handshake goes out). */
  opened(): HandConn {
    const c = this.conn;
    this.engine.handleStreamOpened(this.now, c.id);
    this.pump();
    return c;
  }

  /** Opened, answered with a valid handshake: the connection is confirmed (its first ping is in `packets`). */
  confirm(): HandConn {
    const c = this.opened();
    c.accept();
    return c;
  }

  /** Advances time and fires what is due. */
  advance(to: number): void {
    this.now = to;
    this.engine.handleTimeout(to);
    this.pump();
  }

  /** Steps to `to` through every deadline on the way (as an adapter's timer would). */
  runUntil(to: number): void {
    for (;;) {
      const d = this.engine.nextDeadline();
      if (d === null || d.at > to) break;
      this.advance(Math.max(d.at, this.now));
    }
    this.advance(to);
  }

  /** Ops of one kind in the log. */
  ops(op: StreamOp['op']): Array<{ at: number; id: number }> {
    return this.log.filter((l) => l.op === op);
  }
}
