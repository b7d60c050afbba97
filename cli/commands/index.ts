/** The list of subcommands. Each lives in its own file and is loaded on use. */
import { register } from '../main.js';

register('demo', () => import('./demo.js'));
