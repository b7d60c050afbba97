/**
 * `toxstate node --policy PK=POLICY`: bad values are one-line errors with a non-zero exit, before
 * any profile is written; a good one is applied (a friend_policy line), saved in the profile, shown
 * again at the next start, and set back to the default leaves no policy section.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSavedata } from '../../protocol/profile/index.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'toxstate-node-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const PK = '11'.repeat(32);
const OTHER = '22'.repeat(32);

function node(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'node', '--bind', '127.0.0.1', '--port', '0', '--json', ...args], { encoding: 'utf8', timeout: 30_000 });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...r, lines };
}

function policiesIn(file: string): Array<[string, string | undefined]> {
  const p = parseSavedata(crypto, new Uint8Array(readFileSync(file)));
  if (!p.ok) throw new Error(p.error);
  return p.value.friends.map((f) => [Buffer.from(f.publicKey).toString('hex'), f.policy]);
}

describe('toxstate node --policy', () => {
  it.each([
    [['--policy', 'OpenToConnect'], /^toxstate: --policy "OpenToConnect": expected PK=POLICY, POLICY one of TryingToConnect, OpenToConnect, RefusingToConnect$/],
    [['--policy', 'zz=OpenToConnect'], /^toxstate: --policy "zz": a public key is 64 hex characters$/],
    [['--friend', PK, '--policy', `${PK}=Open`], /^toxstate: --policy ".*=Open": the policy must be one of TryingToConnect, OpenToConnect, RefusingToConnect, got "Open"$/],
    [['--friend', PK, '--policy', `${PK}=`], /the policy must be one of .*, got ""$/],
    [['--friend', PK, '--policy', `${PK}=OpenToConnect`, '--policy', `${PK}=RefusingToConnect`], /^toxstate: --policy: friend 1{64} is given more than once$/],
    [['--friend', PK, '--policy', `${OTHER}=RefusingToConnect`], /^toxstate: --policy: 2{64} is not a friend \(add it with --friend or --add-friend\)$/],
  ])('refuses %j with a one-line error and writes no profile', (args, message) => {
    const profile = join(dir, `refused-${Math.random().toString(36).slice(2)}.tox`);
    const r = node(['--profile', profile, ...(args as string[])]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message as RegExp);
    expect(existsSync(profile)).toBe(false);
  });

  it('is documented in --help', () => {
    const r = spawnSync(process.execPath, [BIN, 'node', '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toMatch(/--policy PK=POLICY/);
    for (const p of ['TryingToConnect', 'OpenToConnect', 'RefusingToConnect', 'friend_policy']) expect(r.stdout).toContain(p);
  });

  it('applies the policy, saves it in the profile, shows it at the next start, and back to the default saves no section', () => {
    const profile = join(dir, 'p.tox');
    const first = node(['--profile', profile, '--friend', PK, '--friend', OTHER, '--policy', `${PK.toUpperCase()}=RefusingToConnect`, '--run-seconds', '1']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.lines.filter((l) => l['ev'] === 'friend_policy')).toEqual([{ ev: 'friend_policy', friend: PK, policy: 'RefusingToConnect', t: expect.any(Number) }]);
    expect(policiesIn(profile)).toEqual([
      [PK, 'RefusingToConnect'],
      [OTHER, undefined],
    ]);
    const bytes = readFileSync(profile);
    expect(bytes.includes(Buffer.from([0x74, 0x73, 0xce, 0x01]))).toBe(true);

    // The next start shows the saved policy; this run sets it back.
    const second = node(['--profile', profile, '--policy', `${PK}=TryingToConnect`, '--run-seconds', '1']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.lines.filter((l) => l['ev'] === 'friend_policy').map((l) => l['policy'])).toEqual(['RefusingToConnect', 'TryingToConnect']);
    expect(policiesIn(profile)).toEqual([
      [PK, undefined],
      [OTHER, undefined],
    ]);
    expect(readFileSync(profile).includes(Buffer.from([0x74, 0x73, 0xce, 0x01]))).toBe(false);
  }, 60_000);

  it('refuses a profile whose policy section is malformed, and leaves the file untouched', () => {
    const profile = join(dir, 'bad.tox');
    const ok = node(['--profile', profile, '--friend', PK, '--policy', `${PK}=OpenToConnect`, '--run-seconds', '0']);
    expect(ok.status, ok.stderr).toBe(0);
    const bytes = readFileSync(profile);
    const at = bytes.indexOf(Buffer.from([0x74, 0x73, 0xce, 0x01]));
    expect(at).toBeGreaterThan(0);
    bytes[at + 4 + 1 + 32] = 9; // the policy byte of the only entry
    writeFileSync(profile, bytes);
    const r = node(['--profile', profile, '--run-seconds', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^toxstate: cannot load profile .*bad\.tox: the file is corrupt \(savedata bad-friend-policies: friend policy section: unknown policy byte 9 for friend 1{64}/);
    expect(readFileSync(profile).equals(bytes)).toBe(true);
  }, 60_000);
});
