/**
 * Our actors and journal in the `@statelyai/inspect` event format, so Stately's own inspector
 * (or anything built on the package's receivers) can follow a toxstate node.
 *
 * The package (0.7.x) sends three kinds of event, each a JSON object with `type`, `sessionId`,
 * `rootId`, `id`, `createdAt` (wall-clock ms as a string) and `_version` (the package version):
 *   `@xstate.actor`     an actor exists: `name`, `definition` (the machine config as a JSON
 *                       string, which the inspector draws), `parentId`, `snapshot`;
 *   `@xstate.event`     an event was sent to an actor: `event`, `sourceId`;
 *   `@xstate.snapshot`  the actor's new snapshot after an event: `snapshot`, `event`.
 * A node is registered as a root actor (sessionId = node name) whose children are its machine
 * actors (sessionId = `<node>/<actor key>`); each journal entry becomes an event followed by the
 * snapshot after it (an ignored event changes nothing, so it produces the same snapshot).
 */
import type { StatelyActorEvent, StatelyEventEvent, StatelySnapshotEvent } from '@statelyai/inspect';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { machineSpecs, type MachineName } from '../machines/index.js';
import type { JournalEntry } from '../runtime/journal.js';

/** The `_version` the package stamps on its events (read from the installed package). */
export const STATELY_INSPECT_VERSION: string = (() => {
  try {
    const require = createRequire(import.meta.url);
    const dir = require.resolve('@statelyai/inspect').replace(/dist[\\/]index\.mjs$/, '');
    return (JSON.parse(readFileSync(`${dir}package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return '0.7.2';
  }
})();

const definitions = new Map<MachineName, string>();

/** The machine's config as a JSON string, functions replaced by `{ type: name }` (as the package does). */
export function machineDefinition(name: MachineName): string {
  let d = definitions.get(name);
  if (d === undefined) {
    const config = machineSpecs[name].machine.config;
    d = JSON.stringify(config, (_k, v: unknown) => (typeof v === 'function' ? { type: (v as { name?: string }).name || 'inline' } : v));
    definitions.set(name, d);
  }
  return d;
}

export const actorSessionId = (node: string, key: string): string => `${node}/${key}`;

/** The `@xstate.snapshot` payload of a state: the fields of an active XState snapshot. */
function inspectedSnapshot(value: unknown, context: unknown): StatelySnapshotEvent['snapshot'] {
  const snapshot = { status: 'active' as const, output: undefined, error: undefined, value, context };
  return snapshot;
}

/** Registers a node (the root of its actors). */
export function statelyNode(node: string, selfPk: string, createdAt: number): StatelyActorEvent {
  return {
    type: '@xstate.actor',
    name: node,
    sessionId: node,
    rootId: node,
    parentId: undefined,
    id: `${node}#actor`,
    createdAt: String(createdAt),
    _version: STATELY_INSPECT_VERSION,
    definition: JSON.stringify({ id: node }),
    snapshot: { status: 'active', context: { selfPk } },
  };
}

/** Registers one machine actor of a node with its current state. */
export function statelyActor(
  node: string,
  key: string,
  machine: MachineName,
  state: { value: unknown; context: unknown },
  createdAt: number,
): StatelyActorEvent {
  return {
    type: '@xstate.actor',
    name: machineSpecs[machine].machine.id,
    sessionId: actorSessionId(node, key),
    rootId: node,
    parentId: node,
    id: `${node}/${key}#actor`,
    createdAt: String(createdAt),
    _version: STATELY_INSPECT_VERSION,
    definition: machineDefinition(machine),
    snapshot: { status: 'active', value: state.value, context: state.context },
  };
}

/** One journal entry as the event sent to the actor and the snapshot after it. */
export function statelyStep(node: string, e: JournalEntry, createdAt: number): [StatelyEventEvent, StatelySnapshotEvent] {
  const sessionId = actorSessionId(node, e.actor);
  const event = { ...e.event };
  return [
    {
      type: '@xstate.event',
      sessionId,
      sourceId: undefined,
      rootId: node,
      id: `${node}#${e.seq}.event`,
      createdAt: String(createdAt),
      _version: STATELY_INSPECT_VERSION,
      event,
    },
    {
      type: '@xstate.snapshot',
      sessionId,
      rootId: node,
      id: `${node}#${e.seq}.snapshot`,
      createdAt: String(createdAt),
      _version: STATELY_INSPECT_VERSION,
      event,
      snapshot: inspectedSnapshot(e.to, e.context ?? null),
    },
  ];
}
