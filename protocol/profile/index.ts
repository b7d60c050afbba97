/**
 * Profiles (docs/protocol.md §8): c-toxcore savedata and its encrypted wrapper; the public
 * surface of this folder. No I/O here: runtime/adapters/profile-store.ts reads and writes files.
 *
 * Serialized form: see savedata.ts (plain) and encrypted-save.ts ("toxEsave" wrapper).
 *
 * | offset | length | field                                         |
 * |-------:|-------:|-----------------------------------------------|
 * |      0 |      8 | `00000000 1f1bed15` (plain) or "toxEsave"     |
 */
export * from './friend-record.js';
export * from './friend-policies.js';
export * from './savedata.js';
export * from './encrypted-save.js';
