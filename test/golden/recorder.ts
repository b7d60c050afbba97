/**
 * Golden journals: a fixed-seed simulation hashed step by step — every machine step of every
 * engine (event, states, transition, outputs, context, next deadline) and every datagram an
 * engine sends (time, sender, destination, bytes) — into one running SHA-256, with a
 * checkpoint digest every `CHECKPOINT_EVERY` records, so a refactor that changes behaviour is
 * caught and the first checkpoint that differs says roughly where.
 */
import { createHash, type Hash } from 'node:crypto';
import { toHex } from '../../protocol/bytes.js';
import { formatIpPort } from '../../protocol/ip-port.js';
import type { SimNetwork, SimNode } from '../../runtime/adapters/sim-network.js';
import type { JournalEntry } from '../../runtime/journal.js';

export const CHECKPOINT_EVERY = 5_000;

export interface GoldenRecord {
  /** Records hashed: machine steps plus datagrams. */
  readonly records: number;
  readonly machineSteps: number;
  readonly datagrams: number;
  /** Running digest after every CHECKPOINT_EVERY records. */
  readonly checkpoints: readonly string[];
  readonly final: string;
}

/** JSON with a fixed form for everything a journal entry can hold (bigint, bytes, Map, Set). */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => {
    // The per-friend policy (issue 15) joined the facts events and the task contexts after these
    // runs were recorded. Its default is left out so that the recorded hashes still prove the
    // default behaviour unchanged step by step; any other policy is hashed.
    if (k === 'policy' && x === 'TryingToConnect') return undefined;
    // TCP relays (issue 17) added the session's path and relay route, packets' `via` and the
    // facts' `direct`. Without relays they are always the UDP defaults (path null or udp, via udp,
    // relayed false, direct equal to established): left out, so the recorded hashes still prove
    // the UDP behaviour unchanged step by step; a TCP value is hashed.
    if ((k === 'path' && (x === null || x === 'udp')) || (k === 'via' && x === 'udp') || (k === 'relayed' && x === false)) return undefined;
    if (x !== null && typeof x === 'object' && 'direct' in x && 'established' in x && (x as { direct: unknown }).direct === (x as { established: unknown }).established) {
      const { direct: _direct, ...rest } = x as Record<string, unknown>;
      return rest;
    }
    if (typeof x === 'bigint') return `${x}n`;
    if (x instanceof Uint8Array) return `0x${toHex(x)}`;
    if (x instanceof Map) return { map: [...x.entries()] };
    if (x instanceof Set) return { set: [...x.values()] };
    if (x === undefined) return null;
    return x;
  });
}

/** Hashes what `nodes` do while `run` drives the network. */
export class GoldenRecorder {
  private readonly hash: Hash = createHash('sha256');
  private records = 0;
  private machineSteps = 0;
  private datagrams = 0;
  private readonly checkpoints: string[] = [];
  private readonly undo: Array<() => void> = [];

  constructor(
    private readonly sim: SimNetwork,
    nodes: readonly SimNode[],
  ) {
    // Steps journaled while the network was built (engines start as they are added) come first.
    for (const node of nodes) for (const j of node.engine.journal.since(0)) this.step(node, j);
    for (const node of nodes) this.watch(node);
  }

  private step(node: SimNode, j: JournalEntry): void {
    this.machineSteps++;
    this.add(`J|${node.id}|${j.t}|${j.actor}|${j.machine}|${canonical(j.event)}|${canonical(j.from)}|${canonical(j.to)}|${j.transition ?? '-'}|${canonical(j.outputs)}|${canonical(j.context ?? null)}|${canonical(j.next)}`);
  }

  private watch(node: SimNode): void {
    const e = node.engine;
    this.undo.push(
      e.journal.subscribe((j) => this.step(node, j)),
    );
    const take = e.takeTransmits.bind(e);
    e.takeTransmits = () => {
      const out = take();
      for (const t of out) {
        this.datagrams++;
        this.add(`D|${node.id}|${this.sim.now}|${formatIpPort(t.to)}|${toHex(t.data)}`);
      }
      return out;
    };
    this.undo.push(() => {
      e.takeTransmits = take;
    });
  }

  private add(record: string): void {
    this.hash.update(record);
    this.hash.update('\n');
    if (++this.records % CHECKPOINT_EVERY === 0) this.checkpoints.push(this.hash.copy().digest('hex').slice(0, 16));
  }

  finish(): GoldenRecord {
    for (const u of this.undo) u();
    return {
      records: this.records,
      machineSteps: this.machineSteps,
      datagrams: this.datagrams,
      checkpoints: this.checkpoints,
      final: this.hash.digest('hex'),
    };
  }
}
