/**
 * The content hash that ties docs/mutation.md to the machines it measured: SHA-256 over every
 * machines/*.ts file, in name order, as `name\0content\0`. Written into the report by
 * scripts/mutation-report.ts and checked by test/architecture/mutation-report.test.ts, so a report
 * older than the machines fails a test (file times mean nothing in a fresh clone; contents do).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function machinesHash(root: string): string {
  const dir = join(root, 'machines');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts')).sort()) {
    hash.update(`${name}\0`);
    hash.update(readFileSync(join(dir, name)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
