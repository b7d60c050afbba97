/** Writes docs/machines.md from the machine definitions (`npm run docs:machines`). */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineSpecs } from '../machines/index.js';
import { renderMachinesMarkdown } from '../machines/describe.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'machines.md');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderMachinesMarkdown(Object.values(machineSpecs)));
console.log(`wrote ${target}`);
