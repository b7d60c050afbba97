/**
 * Issue 13 items 7 and 8, performed (harness/reliability/review/profile.ts): symbolic links planted
 * at temp-file names, symlinked and dangling profile paths, a FIFO, /dev/zero and profiles with
 * huge unknown sections given to the real CLI. Each asserts the defence held and its figures.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto, type Crypto } from '../../../runtime/adapters/node-crypto.js';
import type { ReviewOutcome } from '../../../harness/reliability/review/outcome.js';
import {
  danglingProfileLink,
  devZeroAsInput,
  fifoAsInput,
  hugeUnknownSection,
  largeUnknownSectionUnderLimit,
  linkAtExactTempName,
  plantedTempSymlinks,
  saveThroughSymlinkedProfile,
} from '../../../harness/reliability/review/profile.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

function report(o: ReviewOutcome): void {
  console.info(`item ${o.item}: ${o.attack}\n  → ${o.result}\n  ${JSON.stringify(o.figures)}`);
  expect(o.held, o.result).toBe(true);
}

describe('item 7: temp files and symbolic links', () => {
  it("links planted at a running node's predictable and guessed temp names receive nothing; the profile stays a regular 0600 file", async () => {
    const o = await plantedTempSymlinks(crypto);
    report(o);
    expect(o.figures).toMatchObject({ attackerFileBytes: 0, secretKeyInAttackerFile: false, profileIsRegularFile: true, profileMode: '600', sameIdentity: true });
    expect(o.figures['plantedLinks']).toBeGreaterThan(100);
  }, 60_000);

  it('a link at the exact temp name is never followed: the creation fails with EEXIST', async () => {
    const o = await linkAtExactTempName();
    report(o);
    expect(o.figures).toMatchObject({ results: 'EEXIST,EEXIST', attackerFileBytes: 0, danglingTargetCreated: false });
  });

  it('saving through a symlinked profile keeps the link and updates its target', async () => {
    const o = await saveThroughSymlinkedProfile(crypto);
    report(o);
    expect(o.figures).toMatchObject({ linkKept: true, targetNospam: '0A0B0C0D', targetName: 'via the link', sameIdentity: true, strayTempFiles: 0 });
  }, 60_000);

  it('a dangling profile link is refused by node, id --create and export --force: no identity minted', async () => {
    const o = await danglingProfileLink(crypto);
    report(o);
    expect(o.figures).toMatchObject({ refused: 3, identityMinted: false });
  }, 60_000);
});

describe('item 8: only regular files of bounded size are read', () => {
  it('a FIFO as --profile, --in or --pcap exits 2 at once', async () => {
    const o = await fifoAsInput();
    report(o);
    expect(o.figures['hung']).toBe(0);
    expect(o.figures['slowestMs']).toBeLessThan(8_000);
  }, 60_000);

  it('/dev/zero as --profile, --in or --pcap exits 2 before reading, in little memory', async () => {
    const o = await devZeroAsInput();
    report(o);
    expect(o.figures['peakRssMb']).toBeLessThan(300);
  }, 60_000);

  it('a profile with a 200 MiB unknown section is refused by its size, the file untouched', async () => {
    const o = await hugeUnknownSection(crypto);
    report(o);
    expect(o.figures).toMatchObject({ limitMiB: 64, fileUntouched: true });
    expect(o.figures['peakRssMb']).toBeLessThan(300);
  }, 60_000);

  it('a 48 MiB unknown section under the limit loads without being copied and is dropped on rewrite', async () => {
    const o = await largeUnknownSectionUnderLimit(crypto);
    report(o);
    expect(o.figures['unknownSectionsLeft']).toBe(0);
    expect(o.figures['extraRssMb']).toBeLessThan(72);
  }, 60_000);
});
