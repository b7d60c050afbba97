/**
 * The list of subcommands, in the order `toxstate --help` shows them. Each lives in its own file
 * and is loaded on use; the one-line summaries are kept here too, so that `toxstate --help` loads
 * no command (test/cli/start.test.ts checks each matches its command's own `summary`). An entry
 * without a summary is loaded for it.
 */
import type { CommandEntry } from '../command.js';
import { existsSync } from 'node:fs';

export interface ListedCommand extends CommandEntry {
  readonly summary?: string;
}

export const COMMANDS: readonly ListedCommand[] = [
  { name: 'demo', summary: 'run the local demo network (Bob befriends Alice) with the visual inspector', load: () => import('./demo.js') },
  { name: 'id', summary: "print a profile's Tox ID (--create makes a new profile)", load: () => import('./id.js') },
  { name: 'add', summary: 'add a friend (--pk: confirmed; --toxid: with a friend request)', load: () => import('./add.js') },
  { name: 'friends', summary: 'list the friends in a profile (key, name, status message, policy)', load: () => import('./friends.js') },
  { name: 'remove', summary: 'remove a friend by public key', load: () => import('./remove.js') },
  { name: 'nospam', summary: 'print or change the nospam (part of the Tox ID)', load: () => import('./nospam.js') },
  { name: 'export', summary: 'copy a profile to a file, encrypted or plain', load: () => import('./export.js') },
  { name: 'import', summary: 'take a qTox/toxic/c-toxcore profile as a toxstate profile', load: () => import('./import.js') },
  { name: 'dissect', summary: 'name and describe every Tox packet in a capture (JSON lines)', load: () => import('./dissect.js') },
  { name: 'check', summary: "check a capture against the friend-session statechart (any implementation's traffic)", load: () => import('./check.js') },
  { name: 'inspect', summary: 'open a capture, as the conformance monitor reconstructs it, in the visual inspector', load: () => import('./inspect.js') },
  { name: 'node', summary: 'run a toxstate node on UDP', load: () => import('./node.js') },
  { name: 'conformance', summary: 'write the protocol conformance report (docs/conformance.md)', load: () => import('./conformance.js') },
  { name: 'sim', summary: 'simulate a network of N nodes and P friend pairs; print how fast they connect', load: () => import('./sim.js') },
  // conformance runs the checkout's tests: not offered by the installed package (its test/ is not shipped).
].filter((c) => c.name !== 'conformance' || existsSync(new URL('../../test/', import.meta.url)));
