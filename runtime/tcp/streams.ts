/**
 * TCP streams, sans-IO: the engine never touches a socket. It asks the adapter to open, write and
 * close byte streams (`StreamOp`, drained with `takeStreamOps`), and the adapter reports what
 * happened (`handleStreamOpened`, `handleStreamData`, `handleStreamClosed`) and hands over
 * connections accepted on the node's TCP server port (`acceptStream`). Every stream has one
 * engine-chosen id and one owner inside the engine: the relay client (connections we opened to
 * TCP relays, runtime/tcp/client.ts) or the relay server (connections clients opened to us,
 * runtime/tcp/server.ts).
 *
 * Bounds: at most `maxStreams` streams exist at once; an accept beyond it is refused (the
 * adapter closes the socket), an open beyond it fails at once.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';

/** What the engine asks of the adapter's TCP side. */
export type StreamOp =
  /** Connect to `to`; report `handleStreamOpened(id)` once connected or `handleStreamClosed(id)` on failure. */
  | { readonly op: 'open'; readonly id: number; readonly to: IpPort }
  /** Write these bytes to the stream, in order. */
  | { readonly op: 'write'; readonly id: number; readonly data: Bytes }
  /** Close the stream (nothing more is reported for it). */
  | { readonly op: 'close'; readonly id: number };

/** Who inside the engine owns a stream; it is told everything that happens to it. */
export interface StreamOwner {
  /** An outbound stream connected. */
  onOpened(id: number): void;
  onData(id: number, data: Bytes): void;
  /** The stream ended (the peer closed it, an error, or the connect failed). */
  onClosed(id: number): void;
}

/** What a layer may do with streams (its slice of the table). */
export interface StreamPort {
  /** Opens a stream to `to`, owned by the caller; null when the table is full. */
  open(to: IpPort, owner: StreamOwner): number | null;
  write(id: number, data: Bytes): void;
  close(id: number): void;
}

/** Default bound on streams at once (relay connections out plus server connections in). */
export const DEFAULT_MAX_STREAMS = 1024;

interface Entry {
  readonly owner: StreamOwner;
  readonly remote: IpPort;
  readonly inbound: boolean;
}

export class StreamTable implements StreamPort {
  private readonly entries = new Map<number, Entry>();
  private ops: StreamOp[] = [];
  private nextId = 1;

  constructor(private readonly maxStreams = DEFAULT_MAX_STREAMS) {}

  get size(): number {
    return this.entries.size;
  }

  open(to: IpPort, owner: StreamOwner): number | null {
    if (this.entries.size >= this.maxStreams) return null;
    const id = this.allocate();
    this.entries.set(id, { owner, remote: to, inbound: false });
    this.ops.push({ op: 'open', id, to });
    return id;
  }

  /** A connection arrived on our server port: its id, or null (refused) when full or nobody serves. */
  accept(from: IpPort, owner: StreamOwner | null): number | null {
    if (owner === null || this.entries.size >= this.maxStreams) return null;
    const id = this.allocate();
    this.entries.set(id, { owner, remote: from, inbound: true });
    return id;
  }

  write(id: number, data: Bytes): void {
    if (!this.entries.has(id) || data.length === 0) return;
    this.ops.push({ op: 'write', id, data });
  }

  close(id: number): void {
    if (!this.entries.delete(id)) return;
    this.ops.push({ op: 'close', id });
  }

  /** The remote address of a stream (the relay we dialled, or the client that dialled us). */
  remoteOf(id: number): IpPort | undefined {
    return this.entries.get(id)?.remote;
  }

  opened(id: number): void {
    this.entries.get(id)?.owner.onOpened(id);
  }

  data(id: number, data: Bytes): void {
    this.entries.get(id)?.owner.onData(id, data);
  }

  /** The adapter says the stream ended: forgotten, and its owner told. */
  closed(id: number): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    e.owner.onClosed(id);
  }

  take(): StreamOp[] {
    const out = this.ops;
    this.ops = [];
    return out;
  }

  private allocate(): number {
    // Ids are never reused while the engine lives (2^53 opens would be needed to wrap).
    return this.nextId++;
  }
}
