/**
 * docs/mutation.md (npm run test:mutation) must describe the machines as they are: it records a
 * content hash of machines/*.ts, and a report measured on other machines fails here. Every
 * surviving mutant it lists must be explained as equivalent (or killed by a test, and gone).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machinesHash } from '../../harness/mutation-hash.js';

const ROOT = join(import.meta.dirname, '..', '..');
const report = (): string => readFileSync(join(ROOT, 'docs', 'mutation.md'), 'utf8');

describe('docs/mutation.md', () => {
  it('was measured on the machines as they are (run `npm run test:mutation` if not)', () => {
    const recorded = /machines hash: sha256:([0-9a-f]{64})/.exec(report())?.[1];
    expect(recorded, 'docs/mutation.md records no machines hash').toBeDefined();
    expect(recorded, 'machines/ changed since docs/mutation.md was written: run npm run test:mutation').toBe(machinesHash(ROOT));
  });

  it('states the score and leaves no surviving mutant unexplained', () => {
    const text = report();
    expect(text).toMatch(/mutation score: \d+\.\d% \(killed \d+ \/ total \d+\)/);
    expect(text).not.toContain('**not explained**');
  });

  it('the hash follows the contents of machines/*.ts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toxstate-hash-'));
    try {
      mkdirSync(join(dir, 'machines'));
      for (const name of readdirSync(join(ROOT, 'machines'))) copyFileSync(join(ROOT, 'machines', name), join(dir, 'machines', name));
      expect(machinesHash(dir)).toBe(machinesHash(ROOT));
      writeFileSync(join(dir, 'machines', 'connect.ts'), `${readFileSync(join(dir, 'machines', 'connect.ts'), 'utf8')}\n`);
      expect(machinesHash(dir)).not.toBe(machinesHash(ROOT));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
