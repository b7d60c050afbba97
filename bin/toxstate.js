#!/usr/bin/env node
// The `toxstate` command. In a checkout it runs the TypeScript sources through tsx (so it is
// never stale); in the installed package, which ships only dist/, it runs the compiled CLI.
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(compiled.href);
}
