/** Writes docs/machines.md and the README's architecture diagram from the code (`npm run docs:machines`). */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineSpecs } from '../machines/index.js';
import { renderMachinesMarkdown } from '../machines/describe.js';
import { withArchitecture } from './architecture.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'machines.md');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderMachinesMarkdown(Object.values(machineSpecs)));
const readme = join(root, 'README.md');
writeFileSync(readme, withArchitecture(readFileSync(readme, 'utf8')));
console.log(`wrote ${target} and the diagram in ${readme}`);
