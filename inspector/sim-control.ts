/**
 * The simulation controls of the page: Run, Pause, Step, speed and link conditions.
 *
 * - Run advances the virtual clock at a watchable pace: every wall-clock tick (40 ms) the
 *   virtual time moves by the wall time elapsed × speed. Work is bounded per tick (25 ms of
 *   processing); when a tick cannot keep up, virtual time falls behind instead of the page
 *   freezing.
 * - Step pauses and advances to the next journal entry (of one node, or of any node): the next
 *   event or deadline at which a machine does something, however far away in virtual time.
 *   `step('event')` is one `sim.step()` (a datagram or one node's deadline).
 * - Link conditions are the simulated network's own, changed in place.
 */
import { performance } from 'node:perf_hooks';
import type { LinkConditions, SimNetwork } from '../runtime/adapters/sim-network.js';
import type { NodeHistory } from './history.js';

export interface SimStatus {
  readonly running: boolean;
  /** Virtual milliseconds per wall-clock millisecond. */
  readonly speed: number;
  readonly now: number;
  readonly nextEventAt: number | null;
  readonly conditions: LinkConditions;
  readonly stats: SimNetwork['stats'];
}

export interface StepResult {
  /** `sim.step()` calls made. */
  readonly steps: number;
  /** Journal entries added (on the node asked for, or on all nodes). */
  readonly entries: number;
  readonly now: number;
}

const TICK_MS = 40;
const WORK_BUDGET_MS = 25;
/** Bound on `sim.step()` calls for one Step press (a quiet node must not hang the server). */
const MAX_STEPS_PER_STEP = 200_000;
export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 64] as const;

export class SimController {
  running = false;
  speed = 1;
  private timer: NodeJS.Timeout | null = null;
  private lastWall = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly sim: SimNetwork,
    private readonly owner: { readonly histories: readonly NodeHistory[] },
  ) {}

  status(): SimStatus {
    return {
      running: this.running,
      speed: this.speed,
      now: this.sim.now,
      nextEventAt: this.sim.nextEventAt(),
      conditions: { ...this.sim.conditions },
      stats: { ...this.sim.stats },
    };
  }

  /** Called after every change the controls make (a run tick, a step, a setting). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  run(): void {
    if (this.running) return;
    this.running = true;
    this.lastWall = performance.now();
    this.schedule();
    this.changed();
  }

  pause(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.changed();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.running) return;
      this.tick();
      if (this.running) this.schedule();
    }, TICK_MS);
    this.timer.unref?.();
  }

  /** One run tick: advance virtual time by the wall time elapsed × speed, within the work budget. */
  private tick(): void {
    const wall = performance.now();
    const target = this.sim.now + (wall - this.lastWall) * this.speed;
    this.lastWall = wall;
    const budgetEnd = wall + WORK_BUDGET_MS;
    for (;;) {
      const at = this.sim.nextEventAt();
      if (at === null || at > target) {
        this.sim.runUntil(target);
        break;
      }
      this.sim.step();
      if (performance.now() > budgetEnd) break;
    }
    this.changed();
  }

  /**
   * Pauses, then advances: to the next journal entry of node `node` (any node when omitted),
   * or by exactly one simulator event with `until: 'event'`.
   */
  step(opts: { node?: number; until?: 'journal' | 'event' } = {}): StepResult {
    if (this.running) this.pause();
    const histories = opts.node === undefined ? this.owner.histories : [this.owner.histories[opts.node]!];
    const seqSum = (): number => histories.reduce((s, h) => s + h.lastSeq, 0);
    const before = seqSum();
    let steps = 0;
    if (opts.until === 'event') {
      if (this.sim.step()) steps++;
    } else {
      while (steps < MAX_STEPS_PER_STEP && seqSum() === before) {
        if (!this.sim.step()) break;
        steps++;
      }
    }
    this.changed();
    return { steps, entries: seqSum() - before, now: this.sim.now };
  }

  setSpeed(speed: number): void {
    if (!Number.isFinite(speed) || speed <= 0 || speed > 1000) throw new RangeError(`speed must be in (0, 1000], got ${speed}`);
    this.speed = speed;
    this.changed();
  }

  /** Changes link conditions; all values are checked before any is applied. */
  setConditions(c: Partial<LinkConditions>): void {
    const limits: Record<keyof LinkConditions, readonly [number, number]> = {
      latencyMs: [0, 60_000],
      jitterMs: [0, 60_000],
      loss: [0, 1],
      duplicate: [0, 1],
    };
    const changes: Array<[keyof LinkConditions, number]> = [];
    for (const name of Object.keys(limits) as Array<keyof LinkConditions>) {
      const v = c[name];
      if (v === undefined) continue;
      const [min, max] = limits[name];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new RangeError(`${name} must be in [${min}, ${max}], got ${String(v)}`);
      changes.push([name, v]);
    }
    for (const [name, v] of changes) this.sim.conditions[name] = v;
    this.changed();
  }
}
