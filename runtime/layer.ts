/**
 * What a protocol layer (DHT, onion, net_crypto, messenger) is given, and nothing more
 * (docs/architecture.md §2): the time of the input being handled, the way out for datagrams,
 * counters, crypto, randomness and the node's keys — plus, in each layer's own `context.ts`, the
 * few narrow ports it needs. A layer never holds the engine, another layer or a machine
 * snapshot; it reports what it learned upward as typed facts (`ctx.report(fact)`), and the
 * engine routes them (runtime/routes.ts).
 */
import type { Bytes } from '../protocol/bytes.js';
import type { Crypto } from '../protocol/crypto.js';
import type { IpPort } from '../protocol/ip-port.js';
import type { Keys } from './keys.js';
import type { Random } from './random.js';

export interface LayerContext {
  /** Engine time of the input being handled (monotonic milliseconds). */
  readonly now: number;
  /** Unix seconds now (c-toxcore's mono_time is Unix-based; DHT-PK no_replay and ping_id windows use it). */
  unixSeconds(): number;
  /** Queues a datagram for the adapter (one to an address family the node cannot reach is dropped, counted). */
  send(to: IpPort, data: Bytes): void;
  /** Whether the node can send to `to`: its address family is one the node's socket reaches. */
  reaches(to: IpPort): boolean;
  /** Adds to a counter (`counters.inc`). */
  count(name: string, by?: number): void;
  /** Counts a dropped input under `drop.<reason>`. */
  drop(reason: string): void;
  readonly crypto: Crypto;
  readonly random: Random;
  readonly keys: Keys;
}

/** A layer's way to report facts upward, typed by the layer's own fact union. */
export interface Reports<F extends { readonly type: string }> {
  report(fact: F): void;
}

/** When a layer's own timer fires next, and why (the engine arms one timer for all of them). */
export interface LayerDeadline {
  readonly at: number;
  readonly reason: string;
  readonly actor?: string;
}

/** A protocol layer with its own timer. */
export interface TimedLayer {
  nextTimer(): LayerDeadline | null;
  onTimer(now: number): void;
}
