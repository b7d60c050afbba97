// Writes the API reference (HTML) from index.ts's TSDoc comments into docs/api/ — or into the
// directory given as the first argument (test/api/api-docs.test.ts regenerates it into a temp
// directory and compares). Deterministic: no source links (they would name a git revision), no
// cache-busting timestamps.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? `${root}docs/api`;
execFileSync(
  process.execPath,
  [
    `${root}node_modules/typedoc/bin/typedoc`,
    '--entryPoints', `${root}index.ts`,
    '--tsconfig', `${root}tsconfig.build.json`,
    '--out', out,
    '--name', 'toxstate',
    '--readme', 'none',
    '--disableSources',
    '--disableGit',
    '--sourceLinkTemplate', '',
    '--cacheBust', 'false',
    '--hideGenerator',
    '--excludePrivate',
    '--excludeProtected',
    '--excludeInternal',
    '--logLevel', 'Warn',
  ],
  { cwd: root, stdio: 'inherit' },
);
