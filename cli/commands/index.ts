/** The list of subcommands, in the order `toxstate --help` shows them. Each lives in its own file and is loaded on use. */
import type { CommandEntry } from '../command.js';

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'demo', load: () => import('./demo.js') },
  { name: 'id', load: () => import('./id.js') },
  { name: 'add', load: () => import('./add.js') },
  { name: 'remove', load: () => import('./remove.js') },
  { name: 'nospam', load: () => import('./nospam.js') },
  { name: 'export', load: () => import('./export.js') },
  { name: 'import', load: () => import('./import.js') },
  { name: 'dissect', load: () => import('./dissect.js') },
  { name: 'check', load: () => import('./check.js') },
  { name: 'inspect', load: () => import('./inspect.js') },
  { name: 'node', load: () => import('./node.js') },
  { name: 'conformance', load: () => import('./conformance.js') },
];
