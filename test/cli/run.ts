/**
 * Runs the real `toxstate` command (node bin/toxstate.js …) for the CLI tests, with a clean
 * environment (no inherited passphrases), and checks the error convention: a non-zero exit and
 * exactly one line on stderr, "toxstate: …", never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/toxstate.js');

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function toxstate(args: readonly string[], opts: { env?: Record<string, string>; input?: string | Uint8Array; cwd?: string } = {}): Run {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TOXSTATE_')) env[k] = v;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...env, ...opts.env },
    input: opts.input ?? '',
    cwd: opts.cwd,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failed run: non-zero exit, one stderr line matching `pattern`, no stack trace, nothing on stdout. */
export function expectOneLineError(r: Run, pattern: RegExp, opts: { stdoutAllowed?: boolean } = {}): void {
  expect(r.status, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).not.toBe(0);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines.length, r.stderr).toBe(1);
  expect(lines[0]).toMatch(/^toxstate: /);
  expect(lines[0]).not.toMatch(/internal error|\n\s+at /);
  expect(lines[0]).toMatch(pattern);
  if (!opts.stdoutAllowed) expect(r.stdout).toBe('');
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'toxstate-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes and modification time, to prove a failed command left a file alone. */
export function snapshot(path: string): { bytes: Buffer; mtimeNs: bigint } {
  return { bytes: readFileSync(path), mtimeNs: statSync(path, { bigint: true }).mtimeNs };
}

export const FIXTURES = join(import.meta.dirname, '../fixtures');
export const PLAIN_FIXTURE = join(FIXTURES, 'profiles/ctoxcore-0.2.18-generated.tox');
export const ENCRYPTED_FIXTURE = join(FIXTURES, 'profiles/ctoxcore-0.2.18-generated.encrypted.tox');
/** SOURCES.md: the passphrase the encrypted fixture was made with. */
export const FIXTURE_PASSPHRASE = 'toxstate-test';
/** SOURCES.md: the Tox ID of both fixtures. */
export const FIXTURE_TOX_ID = '7B4E909BBE7FFE44C465A220037D608EE35897D31EF972F07F74892CB0F73F130A0B0C0DC960';

/**
 * Broken profiles, each with the problem its error must name. Written into `dir`; the encrypted
 * ones need TOXSTATE_PASSPHRASE=FIXTURE_PASSPHRASE to get as far as their problem.
 */
export function brokenProfiles(dir: string): { name: string; path: string; problem: RegExp }[] {
  const plain = readFileSync(PLAIN_FIXTURE);
  const enc = readFileSync(ENCRYPTED_FIXTURE);
  const write = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const mismatch = Buffer.from(plain);
  // NOSPAMKEYS starts at 8 + 8: nospam 4, pk 32, sk 32. Flip a public-key byte.
  mismatch[16 + 4 + 3]! ^= 0x55;
  const badMac = Buffer.from(enc);
  badMac[enc.length - 1]! ^= 1;
  return [
    { name: 'empty', path: write('empty.tox', new Uint8Array(0)), problem: /truncated/ },
    { name: 'truncated', path: write('truncated.tox', plain.subarray(0, 100)), problem: /truncated/ },
    { name: 'not a profile', path: write('text.tox', Buffer.from('this is not a Tox profile at all\n')), problem: /corrupt/ },
    { name: 'key mismatch', path: write('mismatch.tox', mismatch), problem: /corrupt/ },
    { name: 'truncated encrypted', path: write('enc-truncated.tox', enc.subarray(0, 60)), problem: /truncated/ },
    { name: 'corrupt encrypted', path: write('enc-corrupt.tox', badMac), problem: /wrong passphrase, or the encrypted file is corrupt/ },
  ];
}
