/**
 * Test-only owners of TCP streams, so that the adapters' stream carriage (real sockets,
 * runtime/adapters/node-tcp.ts; the simulator, runtime/adapters/sim-streams.ts) can be exercised
 * on a real Engine without the relay layers: a recording client owner opened with
 * `engine.streams.open`, and an echo "server layer" installed as the engine's `tcpServer`.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import type { Engine } from '../../runtime/engine.js';
import type { TcpServerLayer } from '../../runtime/engine-core.js';
import type { StreamOwner } from '../../runtime/tcp/streams.js';

/** Records what happens to the streams it owns (with `clock`, also when: `log`). */
export class RecordingOwner implements StreamOwner {
  readonly opened: number[] = [];
  readonly closed: number[] = [];
  readonly received = new Map<number, Bytes[]>();
  /** `what id @time` lines, when a clock is given. */
  readonly log: string[] = [];

  constructor(private readonly clock?: () => number) {}

  protected note(what: string, id: number, extra = ''): void {
    if (this.clock) this.log.push(`${what} ${id}${extra} @${this.clock()}`);
  }
  onOpened(id: number): void {
    this.opened.push(id);
    this.note('opened', id);
  }
  onData(id: number, data: Bytes): void {
    const list = this.received.get(id) ?? [];
    list.push(data.slice());
    this.received.set(id, list);
    this.note('data', id, ` ${data.length}`);
  }
  onClosed(id: number): void {
    this.closed.push(id);
    this.note('closed', id);
  }

  /** Everything received on `id`, concatenated. */
  bytes(id: number): Uint8Array {
    return new Uint8Array(Buffer.concat(this.received.get(id) ?? []));
  }
}

/** A server layer that accepts (or refuses) every connection and echoes what it receives. */
export class EchoServer extends RecordingOwner implements TcpServerLayer {
  readonly accepted: Array<{ id: number; from: IpPort }> = [];
  refuse = false;
  echo = true;

  constructor(
    private readonly engine: Engine,
    clock?: () => number,
  ) {
    super(clock);
  }

  canAccept(): boolean {
    return !this.refuse;
  }
  onAccepted(id: number, from: IpPort): void {
    this.accepted.push({ id, from });
    this.note('accepted', id, ` from ${from.ip}:${from.port}`);
  }
  override onData(id: number, data: Bytes): void {
    super.onData(id, data);
    if (this.echo) this.engine.streams.write(id, data.slice());
  }
  nextTimer(): null {
    return null;
  }
  onTimer(): void {}
}

/**
 * Installs an echo server as the engine's TCP relay layer (the engine must have been made with
 * `tcpServer: true`; whatever layer it built is replaced for the test).
 */
export function installEchoServer(engine: Engine, clock?: () => number): EchoServer {
  const server = new EchoServer(engine, clock);
  Object.assign(engine, { tcpServer: server });
  return server;
}

/** `n` bytes of a pattern that shows reordering or loss (byte i is i mod 251). */
export function pattern(n: number, offset = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i + offset) % 251;
  return out;
}
