/**
 * What the machine definitions promise their users beyond the model: each machine's id is its
 * name (the inspector and the Stately event stream name machines by id, and transition ids are
 * built from state ids).
 */
import { describe, expect, it } from 'vitest';
import { machineSpecs } from '../../machines/index.js';

describe('machine definitions', () => {
  it('each machine is identified by its name', () => {
    for (const spec of Object.values(machineSpecs)) expect(spec.machine.id, spec.name).toBe(spec.name);
  });

  it("each task carries the seed's key prefix (docs/architecture.md §1.3); the session has none", () => {
    const prefixes = Object.fromEntries(Object.values(machineSpecs).map((s) => [s.name, s.taskPrefix]));
    expect(prefixes).toEqual({ friendSession: null, toxidAnnounce: 'toxid', dhtkeyShare: 'dhtkey', connect: 'connect', friendRequest: 'request', tcpRelay: 'relay' });
  });
});

describe('final states', () => {
  it('an accepted friend request is done: nothing moves it again', async () => {
    const { start, step } = await import('../../machines/index.js');
    const m = machineSpecs.friendRequest.machine;
    const facts = { type: 'facts', now: 10, dhtKey: null, dhtKeyFreshUntil: null, addressFreshUntil: null, established: true, policy: 'TryingToConnect' };
    const accepted = step(m, start(m, { friendPk: 'f0'.repeat(32), now: 0 }).snapshot, facts).snapshot;
    expect(accepted.value).toBe('Accepted');
    expect(accepted.status).toBe('done');
  });
});
