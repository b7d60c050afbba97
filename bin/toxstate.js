#!/usr/bin/env node
// The `toxstate` command. `--version` (-v, -V) is answered here from package.json, so it starts
// as fast as Node does. Otherwise: in the installed package, which ships only dist/, it runs the
// compiled CLI; in a checkout it runs the CLI bundled ahead from the sources while that bundle is
// provably fresh (scripts/cli-cache.mjs: every source file it was built from unchanged, else
// rebuilt), and the TypeScript sources through tsx when it cannot. Either way never stale code.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const first = process.argv[2];
if (first === '--version' || first === '-v' || first === '-V') {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else if (!existsSync(new URL('../cli/main.ts', import.meta.url))) {
  await import('../dist/cli/main.js');
} else {
  const root = new URL('..', import.meta.url);
  let entry = null;
  if (process.env.TOXSTATE_NO_CLI_CACHE !== '1') {
    const { freshCompiledCli, buildCompiledCli } = await import('../scripts/cli-cache.mjs');
    const rootPath = fileURLToPath(root);
    entry = freshCompiledCli(rootPath) ?? (await buildCompiledCli(rootPath));
  }
  if (entry !== null) {
    await import(entry);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(new URL('cli/main.ts', root).href);
  }
}
