/**
 * kill -9 during profile saves, with the real `toxstate node` (UDP on 127.0.0.1 only): Alice's
 * node is started again and again with a new `--name`, told to stop (SIGTERM: it saves her
 * profile on the way out; 150 extra friends make each save ~335 KB) and killed with SIGKILL a
 * random 0–100 ms later — before, during or after that save. After every kill her profile must
 * load and be either the one before or the new one — never damaged. Finally Alice starts from the surviving profile and her friend
 * Bob (a node running throughout) sees her online again.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import type { SavedFriend } from '../../protocol/profile/index.js';
import { newProfile } from '../../runtime/profile-bridge.js';
import { loadProfile, saveProfile } from '../../runtime/adapters/profile-store.js';
import { seededRandom } from '../../runtime/random.js';
import { startNodeProcess, type NodeProcess } from '../../harness/node-process.js';

const KILLS = 8;
const EXTRA_FRIENDS = 150;
const dir = mkdtempSync(join(tmpdir(), 'toxstate-kill-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const startNode = (args: string[]): NodeProcess => startNodeProcess(args, children);


describe('kill -9 during profile saves', () => {
  it(`the profile survives ${KILLS} SIGKILLs around its saves whole (old or new), and the node reconnects from it`, async () => {
    const crypto = await loadCrypto();
    const r = seededRandom(4711);
    const alicePath = join(dir, 'alice.tox');
    const bobPath = join(dir, 'bob.tox');
    const bobProfile = newProfile(crypto, r);
    const extra: SavedFriend[] = Array.from({ length: EXTRA_FRIENDS }, () => {
      const pk = crypto.publicKeyFromSecret(r.bytes(32));
      return { status: 3, publicKey: pk, requestMessage: new Uint8Array(0), name: new TextEncoder().encode('filler'), statusMessage: new Uint8Array(0), userStatus: 0, requestNospam: new Uint8Array(4), lastSeen: 0n };
    });
    const bobFriend: SavedFriend = { ...extra[0]!, publicKey: bobProfile.keys.publicKey, name: new TextEncoder().encode('Bob') };
    const aliceProfile = { ...newProfile(crypto, r), name: new TextEncoder().encode('gen 0'), friends: [bobFriend, ...extra] };
    await saveProfile(alicePath, aliceProfile, { crypto });
    await saveProfile(bobPath, bobProfile, { crypto });
    const alicePk = toHex(aliceProfile.keys.publicKey);

    const bob = startNode(['--profile', bobPath, '--friend', alicePk, '--run-seconds', '170']);
    const bobSelf = await bob.waitFor((e) => e.ev === 'self', 20_000);
    const bootstrap = `127.0.0.1:${bobSelf['port']}:${bobSelf['dhtpk']}`;

    const seen = new Set(['gen 0']);
    let interrupted = 0;
    const names: string[] = [];
    for (let i = 1; i <= KILLS; i++) {
      const name = `gen ${i}`;
      const a = startNode(['--profile', alicePath, '--name', name, '--bootstrap', bootstrap]);
      await a.waitFor((e) => e.ev === 'self', 20_000);
      await new Promise((res) => setTimeout(res, 200));
      // SIGTERM makes the node save its profile (with the new name) on the way out; SIGKILL
      // lands at a random moment before, during or after that save.
      a.child.kill('SIGTERM');
      await new Promise((res) => setTimeout(res, r.int(100)));
      a.child.kill('SIGKILL');
      await a.exited();
      const stray = readdirSync(dir).filter((f) => f.startsWith('alice.tox.tmp-'));
      if (stray.length > 0) interrupted++;
      for (const f of stray) rmSync(join(dir, f));
      const loaded = await loadProfile(alicePath, { crypto });
      const got = new TextDecoder().decode(loaded.profile.name);
      expect(got === name || seen.has(got), `after kill ${i}: profile named ${JSON.stringify(got)}`).toBe(true);
      expect(loaded.profile.friends).toHaveLength(EXTRA_FRIENDS + 1);
      expect(toHex(loaded.profile.keys.publicKey)).toBe(alicePk);
      seen.add(name);
      names.push(got);
    }
    console.log(`kill-save: ${KILLS} kills, names after each: ${names.join(', ')}; ${interrupted} left a half-written temporary file (the profile itself was whole)`);
    // The file was whole after every kill (above). A clean stop saves the newest name.
    {
      const a = startNode(['--profile', alicePath, '--name', 'final', '--bootstrap', bootstrap]);
      await a.waitFor((e) => e.ev === 'self', 20_000);
      // (The node installs its signal handlers just after printing "self".)
      await new Promise((res) => setTimeout(res, 300));
      a.child.kill('SIGTERM');
      await a.exited();
      expect(new TextDecoder().decode((await loadProfile(alicePath, { crypto })).profile.name)).toBe('final');
    }

    // Restart from the surviving profile: Bob sees Alice online again.
    const a = startNode(['--profile', alicePath, '--bootstrap', bootstrap, '--run-seconds', '90']);
    await a.waitFor((e) => e.ev === 'friend_online' && e['friend'] === toHex(bobProfile.keys.publicKey), 60_000);
    await bob.waitFor((e) => e.ev === 'friend_online' && e['friend'] === alicePk && Number(e['t']) > 0, 60_000);
    a.child.kill('SIGTERM');
    bob.child.kill('SIGTERM');
    await Promise.all([a.exited(), bob.exited()]);
  }, 150_000);
});
