// Builds the package: TypeScript → dist/ with declarations, plus the inspector's page assets.
// Source maps carry their TypeScript sources inline (the package ships no .ts files), so a stack
// trace under `node --enable-source-maps` still points at readable code.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--inlineSources'], { stdio: 'inherit' });
cpSync(`${root}inspector/page`, `${root}dist/inspector/page`, { recursive: true });
console.log('built dist/');
