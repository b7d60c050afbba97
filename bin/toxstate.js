#!/usr/bin/env node
// The `toxstate` command. Runs the compiled CLI when the package was built (dist/), and the
// TypeScript sources through tsx in a checkout.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../cli/main.ts', import.meta.url).href);
}
