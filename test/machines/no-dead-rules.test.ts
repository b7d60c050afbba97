/**
 * A verified core has no dead rules: every guard and action a machine defines is used by one of
 * its transitions, and every timing constant of machines/constants.ts is used by the code (a
 * constant nobody reads would be a rule that looks checked and is not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineSpecs } from '../../machines/index.js';
import { describeMachine } from '../../machines/describe.js';
import * as constants from '../../machines/constants.js';

const ROOT = join(import.meta.dirname, '..', '..');
const OWN = join(ROOT, 'machines', 'constants.ts');

describe('no dead rules in the state core', () => {
  for (const spec of Object.values(machineSpecs)) {
    it(`${spec.name}: every guard and action it defines is used by a transition`, () => {
      const d = describeMachine(spec);
      const usedGuards = new Set(d.transitions.flatMap((t) => (t.guard ? [t.guard] : [])));
      const usedActions = new Set(d.transitions.flatMap((t) => t.actions));
      const impl = spec.machine.implementations as { guards: Record<string, unknown>; actions: Record<string, unknown> };
      expect(Object.keys(impl.guards).filter((g) => !usedGuards.has(g)), 'guards no transition uses').toEqual([]);
      expect(Object.keys(impl.actions).filter((a) => !usedActions.has(a)), 'actions no transition uses').toEqual([]);
    });
  }

  it('every exported constant of machines/constants.ts is read outside that file', () => {
    const sources: string[] = [];
    for (const dir of ['machines', 'runtime']) {
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) walk(p);
          else if (p.endsWith('.ts') && p !== OWN) sources.push(readFileSync(p, 'utf8'));
        }
      };
      walk(join(ROOT, dir));
    }
    const all = sources.join('\n');
    const own = readFileSync(OWN, 'utf8');
    // Read elsewhere, or by another rule of constants.ts itself (more than its own declaration).
    const used = (name: string): boolean => new RegExp(`\\b${name}\\b`).test(all) || (own.match(new RegExp(`\\b${name}\\b`, 'g')) ?? []).length > 1;
    const unused = Object.keys(constants).filter((name) => !used(name));
    expect(unused).toEqual([]);
  });
});
