/**
 * Helpers for the TCP relay server tests (runtime/tcp/server.ts): a relay engine with
 * `tcpServer: true`, and clients played by hand with the protocol/tcp codecs — each one a stream
 * accepted by the engine (`acceptStream`), fed with `handleStreamData`, reading what the engine
 * writes to it (`takeStreamOps`), as c-toxcore's TCP_client.c would.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import type { IpPort } from '../../protocol/ip-port.js';
import {
  decodeServerHandshake,
  decodeTcpPacket,
  encodeClientHandshake,
  encodeTcpPacket,
  openTcpSession,
  TcpFrameReader,
  TCP_SERVER_HANDSHAKE_SIZE,
  type TcpCipher,
  type TcpPacket,
  type TcpSessionSecrets,
} from '../../protocol/tcp/index.js';
import type { Engine } from '../../runtime/engine.js';
import type { KeyPair } from '../../runtime/keys.js';

/** One relay engine and the hand-played clients connected to it. */
export class Relay {
  readonly clients = new Map<number, HandClient>();
  now = 0;
  private port = 40000;

  constructor(
    readonly engine: Engine,
    readonly crypto: Crypto,
  ) {}

  /** Moves what the engine wrote (or closed) to the clients. */
  pump(): void {
    for (const op of this.engine.takeStreamOps()) {
      const c = this.clients.get(op.id);
      if (c === undefined) continue;
      if (op.op === 'write') c.receive(op.data);
      else if (op.op === 'close') c.closed = true;
    }
  }

  /** A TCP connection arrives; null when the engine refused it. */
  accept(keys: KeyPair): HandClient | null {
    const from: IpPort = { family: 'ipv4', ip: '127.0.0.1', port: this.port++ };
    const id = this.engine.acceptStream(this.now, from);
    if (id === null) return null;
    const c = new HandClient(this, id, keys);
    this.clients.set(id, c);
    this.pump();
    return c;
  }

  /** Accepts, handshakes and confirms (a first ping, as c-toxcore's client sends at once). */
  connect(keys: KeyPair): HandClient {
    const c = this.accept(keys);
    if (c === null) throw new Error('refused');
    c.handshake();
    if (c.cipher === null) throw new Error('no server handshake');
    c.send({ type: 'ping', pingId: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9) });
    if (c.take('pong').length !== 1) throw new Error('not confirmed');
    return c;
  }

  /** Advances time and fires what is due. */
  advance(to: number): void {
    this.now = to;
    this.engine.handleTimeout(to);
    this.pump();
  }
}

export class HandClient {
  readonly reader = new TcpFrameReader();
  cipher: TcpCipher | null = null;
  readonly packets: TcpPacket[] = [];
  /** What the client could not read (a real client would drop the connection). */
  readonly errors: string[] = [];
  closed = false;
  readonly secrets: TcpSessionSecrets;

  constructor(
    readonly relay: Relay,
    readonly id: number,
    readonly keys: KeyPair,
  ) {
    const tempSecretKey = new Uint8Array(32).map((_, i) => (id * 7 + i * 13 + 1) & 0xff);
    this.secrets = { tempPublicKey: relay.crypto.publicKeyFromSecret(tempSecretKey), tempSecretKey, baseNonce: new Uint8Array(24).fill(id & 0xff) };
  }

  /** The 128-byte client handshake to the relay's DHT key (TCP_client.c generate_handshake). */
  handshakeBytes(serverPk = this.relay.engine.keys.dht.publicKey): Bytes {
    return encodeClientHandshake(this.relay.crypto, { clientPk: this.keys.publicKey, clientSk: this.keys.secretKey, serverPk, secrets: this.secrets, nonce: new Uint8Array(24).fill(3) });
  }

  handshake(serverPk?: Bytes): void {
    this.raw(this.handshakeBytes(serverPk));
  }

  /** Bytes on the stream as they are. */
  raw(bytes: Bytes): void {
    this.relay.engine.handleStreamData(this.relay.now, this.id, bytes);
    this.relay.pump();
  }

  send(p: TcpPacket): void {
    if (this.cipher === null) throw new Error('no session');
    this.raw(this.cipher.seal(encodeTcpPacket(p)));
  }

  /** The client closes its socket. */
  close(): void {
    this.relay.engine.handleStreamClosed(this.relay.now, this.id);
    this.relay.pump();
  }

  receive(data: Bytes): void {
    this.reader.push(data);
    if (this.cipher === null) {
      const hs = this.reader.take(TCP_SERVER_HANDSHAKE_SIZE);
      if (hs === null) return;
      const peer = decodeServerHandshake(this.relay.crypto, { clientSk: this.keys.secretKey, serverPk: this.relay.engine.keys.dht.publicKey }, hs);
      if (!peer.ok) return void this.errors.push(peer.error);
      const session = openTcpSession(this.relay.crypto, this.secrets, peer.value);
      if (!session.ok) return void this.errors.push(session.error);
      this.cipher = session.value;
    }
    for (let box = this.reader.next(); box !== null; box = this.reader.next()) {
      const plain = this.cipher.open(box);
      if (plain === null) return void this.errors.push('frame does not open');
      const p = decodeTcpPacket(plain, 'client');
      if (!p.ok) return void this.errors.push(p.error);
      this.packets.push(p.value);
    }
  }

  /** Removes and returns the received packets of one type. */
  take<T extends TcpPacket['type']>(type: T): Array<Extract<TcpPacket, { type: T }>> {
    return takePackets(this.packets, type);
  }
}

/** Removes the packets of one type from `packets` (in place) and returns them, in order. */
export function takePackets<T extends TcpPacket['type']>(packets: TcpPacket[], type: T): Array<Extract<TcpPacket, { type: T }>> {
  const out: Array<Extract<TcpPacket, { type: T }>> = [];
  for (let i = 0; i < packets.length; ) {
    const p = packets[i]!;
    if (p.type === type) {
      out.push(p as Extract<TcpPacket, { type: T }>);
      packets.splice(i, 1);
    } else i++;
  }
  return out;
}
