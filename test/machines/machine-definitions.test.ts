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
});
