// Writes the API reference (HTML) from index.ts's TSDoc comments into docs/api/ — or into the
// directory given as the first argument (test/api/api-docs.test.ts regenerates it into a temp
// directory and compares). Deterministic: no source links (they would name a git revision), no
// cache-busting timestamps, and no highlighted code blocks (TypeDoc 0.28's highlighting numbers
// its colour classes differently from run to run): API comments show code inline.
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
    // Members inherited from outside (Error.captureStackTrace from @types/node) carry code
    // examples whose highlighting differs from run to run; they are not toxstate's API anyway.
    '--excludeExternals',
    '--logLevel', 'Warn',
  ],
  { cwd: root, stdio: 'inherit' },
);
