/**
 * Reference model of the toxid: task (onion_client.c do_announce cadence, with toxstate's
 * documented differences), written independently of machines/toxid-announce.ts.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { ToxidAnnounceContext } from '../../../machines/toxid-announce.js';
import type { Expectation, TimedEvent } from '../harness.js';

/** The context shape (a type only: the oracle's behaviour is its own). */
type Ctx = ToxidAnnounceContext;
type Mode = 'Offline' | 'Announcing' | 'Announced' | 'Stable';
const INTERVAL: Record<Exclude<Mode, 'Offline'>, number> = { Announcing: 3000, Announced: 15_000, Stable: 15_000 };
const MODE_NAME = { Announcing: 'searching', Announced: 'announced', Stable: 'stable' } as const;

export function toxidAnnounceOracle(snapshot: AnyMachineSnapshot, raw: TimedEvent): Expectation {
  const state = snapshot.value as Mode;
  const c: Ctx = { ...(snapshot.context as Ctx) };
  const out: Array<EventObject & Record<string, unknown>> = [];
  const now = raw.now;
  let next: Mode = state;
  const round = (mode: Exclude<Mode, 'Offline'>): void => {
    c.roundAt = now + INTERVAL[mode];
    out.push({ type: 'onion.announceRound', mode: MODE_NAME[mode] });
  };
  const lose = (reason: string): void => {
    c.announcedSince = null;
    c.stableAt = null;
    c.roundAt = now + 3000;
    out.push({ type: 'notify.unannounced', reason });
    out.push({ type: 'onion.announceRound', mode: 'searching' });
    next = 'Announcing';
  };
  const touch = (): void => void (c.now = now);

  switch (raw.type) {
    case 'cmd.start':
      if (state === 'Offline') {
        touch();
        c.offlineAt = now + 75_000;
        round('Announcing');
        next = 'Announcing';
      }
      break;
    case 'cmd.stop':
      if (state !== 'Offline') {
        touch();
        c.roundAt = c.stableAt = c.offlineAt = c.announcedSince = null;
        if (state !== 'Announcing') out.push({ type: 'notify.unannounced', reason: 'stopped' });
        next = 'Offline';
      }
      break;
    case 'nodes.available':
      if (state === 'Announcing') {
        touch();
        round('Announcing');
      }
      break;
    case 'announce.pingId':
      if (state !== 'Offline') {
        touch();
        c.offlineAt = now + 75_000;
        out.push({ type: 'onion.announceTo', node: (raw as unknown as { node: string }).node });
      }
      break;
    case 'announce.response':
      if (state !== 'Offline') {
        touch();
        c.offlineAt = now + 75_000;
      }
      break;
    case 'announce.stored':
      if (state === 'Announcing') {
        touch();
        c.offlineAt = now + 75_000;
        c.announcedSince = now;
        c.stableAt = now + 90_000;
        c.roundAt = now + 15_000;
        out.push({ type: 'notify.announced' });
        next = 'Announced';
      } else if (state === 'Announced') {
        touch();
        c.offlineAt = now + 75_000;
      }
      break;
    case 'announce.unstored':
      if (state === 'Announced' || state === 'Stable') {
        touch();
        lose('no node stores us any more');
      }
      break;
    case 'tick': {
      if (state === 'Offline') break;
      const lost = c.offlineAt !== null && now >= c.offlineAt;
      const roundDue = c.roundAt !== null && now >= c.roundAt;
      if (lost) {
        touch();
        c.offlineAt = now + 75_000;
        if (state === 'Announcing') round('Announcing');
        else lose('no announce response for 75 s');
      } else if (state === 'Announced' && c.stableAt !== null && now >= c.stableAt) {
        touch();
        c.stableAt = null;
        next = 'Stable';
      } else if (roundDue) {
        touch();
        round(state);
      }
      break;
    }
  }
  return { value: next, context: c, outputs: out };
}
