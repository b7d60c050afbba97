/**
 * From a friendSession transition to the conformance rule it implements (conformance/rules.ts),
 * so a monitor finding names the rule a reviewer can look up. The first rule that lists the
 * transition wins (rules.ts orders timers before the state rules).
 */
import { RULES } from '../rules.js';

/** The rule for a session packet sent with no session (no handshake each way yet). */
export const SESSION_AFTER_HANDSHAKE_RULE = 'st.session-after-handshake';

const BY_TRANSITION = new Map<string, string>();
for (const rule of RULES) {
  for (const ref of rule.implementedBy) {
    if ('machine' in ref && ref.machine === 'friendSession' && !BY_TRANSITION.has(ref.transition)) BY_TRANSITION.set(ref.transition, rule.id);
  }
}

/** The rule id of a friendSession transition id (`State|event|index`), or `unmapped`. */
export function ruleOfTransition(id: string): string {
  return BY_TRANSITION.get(id) ?? 'unmapped';
}

/** Every friendSession transition that has a rule (for the test that no emitting edge is unmapped). */
export function mappedTransitions(): ReadonlyMap<string, string> {
  return BY_TRANSITION;
}
