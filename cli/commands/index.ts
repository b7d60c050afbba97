/** The list of subcommands. Each lives in its own file and is loaded on use. */
import { register } from '../main.js';

register('demo', () => import('./demo.js'));
register('id', () => import('./id.js'));
register('add', () => import('./add.js'));
register('remove', () => import('./remove.js'));
register('nospam', () => import('./nospam.js'));
register('export', () => import('./export.js'));
register('import', () => import('./import.js'));
register('dissect', () => import('./dissect.js'));
register('node', () => import('./node.js'));
register('conformance', () => import('./conformance.js'));
