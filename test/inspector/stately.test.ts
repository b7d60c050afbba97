/**
 * The `/stately` WebSocket speaks @statelyai/inspect's event format: the package's own
 * receiver (createWebSocketReceiver) reads it, every event has the fields the package's own
 * inspector (createInspector) produces for the same kind of event, actors are registered before
 * their snapshots, and each journal step arrives as an event followed by the snapshot after it.
 */
import { createInspector, createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineSpecs, type MachineName } from '../../machines/index.js';
import { simulatedDemo, type DemoTarget } from '../../inspector/demo.js';
import { startInspector, type RunningInspector } from '../../inspector/server.js';
import { machineDefinition, STATELY_INSPECT_VERSION, statelyStep } from '../../inspector/stately.js';
import { testCrypto } from './helpers.js';

let demo: DemoTarget;
let inspector: RunningInspector;

beforeAll(async () => {
  demo = simulatedDemo({ crypto: await testCrypto(), seed: 4 });
  demo.demo!.sim.runFor(10_000);
  inspector = await startInspector(demo.target, { port: 0 });
});
afterAll(async () => {
  await inspector?.close();
});

/** Events the package's own inspector emits, as they arrive over JSON. */
function packageEvents(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const ins = createInspector({ send: (e: StatelyInspectionEvent) => (out[e.type] = JSON.parse(JSON.stringify(e)) as Record<string, unknown>) }, { autoStart: false });
  ins.actor('a', { status: 'active', context: { n: 1 } });
  ins.event('a', { type: 'go' }); // journal events come from the engine, not from another actor: no source
  ins.snapshot('a', { status: 'active', value: 'A', context: { n: 2 } }, { event: { type: 'go' } });
  return out;
}

describe('Stately inspection events', () => {
  it('are read by the package receiver and have the package event shapes', async () => {
    const url = `ws://127.0.0.1:${inspector.port}/stately?node=Alice&replay=100&token=${inspector.token}`;
    const received: StatelyInspectionEvent[] = [];
    const receiver = createWebSocketReceiver({ server: url });
    const sub = receiver.subscribe((e) => received.push(e));
    const deadline = Date.now() + 10_000;
    while (received.filter((e) => e.type === '@xstate.snapshot').length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Live steps follow the replay.
    const replayed = received.length;
    demo.demo!.sim.runFor(20_000);
    while (received.length === replayed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    expect(received.length).toBeGreaterThan(replayed);

    const reference = packageEvents();
    const registered = new Set<string>();
    const byType = new Map<string, number>();
    for (const e of received) {
      byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
      expect(e._version).toBe(STATELY_INSPECT_VERSION);
      expect(typeof e.sessionId).toBe('string');
      expect(e.createdAt).toMatch(/^\d+$/);
      // Every field the package puts on this kind of event is present (JSON drops undefined ones on both sides).
      for (const k of Object.keys(reference[e.type]!)) if (k !== 'id') expect(Object.keys(e), `${e.type}.${k}`).toContain(k);
      if (e.type === '@xstate.actor') {
        registered.add(e.sessionId);
        const def = JSON.parse(e.definition!) as { id: string; states?: Record<string, unknown> };
        expect(def.id).toBe(e.name);
        if (e.parentId !== undefined) {
          expect(registered.has(e.parentId)).toBe(true);
          const name = (Object.keys(machineSpecs) as MachineName[]).find((n) => machineSpecs[n].machine.id === e.name)!;
          expect(name).toBeDefined();
          expect(Object.keys(def.states!).length).toBeGreaterThan(1);
        }
      } else {
        expect(registered.has(e.sessionId), `${e.type} for unregistered ${e.sessionId}`).toBe(true);
        expect(typeof e.event.type).toBe('string');
      }
      if (e.type === '@xstate.snapshot') {
        expect(e.snapshot.status).toBe('active');
        const machineName = e.sessionId.split('/')[1]!.split(':')[0]!;
        const spec = { session: machineSpecs.friendSession, tox4id: machineSpecs.toxidAnnounce, tox6id: machineSpecs.toxidAnnounce, dhtkey: machineSpecs.dhtkeyShare, connect: machineSpecs.connect }[machineName];
        expect(spec).toBeDefined();
        // The value is a state of that machine.
        const value = (e.snapshot as { value?: unknown }).value;
        expect(() => spec!.machine.resolveState({ value: value as never, context: {} as never })).not.toThrow();
      }
    }
    expect(byType.get('@xstate.actor')).toBeGreaterThanOrEqual(5); // the node and its actors
    expect(byType.get('@xstate.event')).toBe(byType.get('@xstate.snapshot'));
    // Each event is immediately followed by the snapshot of the same actor after it.
    received.forEach((e, i) => {
      if (e.type === '@xstate.event') {
        const next = received[i + 1]!;
        expect(next.type).toBe('@xstate.snapshot');
        expect(next.sessionId).toBe(e.sessionId);
      }
    });
  });

  it('translates a journal entry into the typed event pair', () => {
    const alice = demo.demo!.alice.node.engine;
    const entry = alice.journal.since(0).find((e) => e.transition !== null)!;
    const [ev, snap]: [StatelyInspectionEvent, StatelyInspectionEvent] = statelyStep('Alice', entry, 1);
    expect(ev).toMatchObject({ type: '@xstate.event', sessionId: `Alice/${entry.actor}`, event: entry.event, rootId: 'Alice' });
    expect(snap).toMatchObject({ type: '@xstate.snapshot', sessionId: `Alice/${entry.actor}`, snapshot: { status: 'active', value: entry.to, context: entry.context } });
    const def = JSON.parse(machineDefinition('friendSession')) as { id: string; initial: string };
    expect(def).toMatchObject({ id: 'friendSession', initial: 'AwaitingDHTKey' });
  });
});
