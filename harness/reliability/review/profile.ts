/**
 * Attack review, profiles on disk (issue 13 items 7 and 8), performed with real files against
 * the real CLI (`node bin/toxstate.js …`) and runtime/adapters/profile-store.ts.
 *
 * Item 7 — a planted temp-file symlink receives the secret key. The save used to open the
 * predictable `<profile>.tmp-<pid>` without O_EXCL, following links: an attacker who could write
 * to the profile's directory planted a link there to a file of theirs, received the profile with
 * its secret key, and the profile itself was replaced by the link. Also: saving through a
 * symlinked profile replaced the link, and a dangling link silently minted a new identity.
 *
 * Item 8 — profile loading trusted the file: a FIFO as --profile hung forever, /dev/zero grew
 * the process to 2.6 GB in 20 s, a valid profile with one 200 MB unknown section loaded into
 * 705 MB. The same reading served `import --in` and `dissect --pcap`.
 *
 * Every scenario works in its own temporary directory and removes it; large profiles are written
 * sparse (no disk used for their zeros). Peak memory of a CLI run is its own `maxRSS`, written by a
 * preloaded module at exit (the CLI itself is unchanged).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../../protocol/bytes.js';
import type { Crypto } from '../../../protocol/crypto.js';
import { parseSavedata, serializeSavedata, STATE_COOKIE_TYPE } from '../../../protocol/profile/savedata.js';
import { newProfile } from '../../../runtime/profile-bridge.js';
import { createFileExclusive, loadProfile, MAX_PROFILE_FILE_BYTES, saveProfile } from '../../../runtime/adapters/profile-store.js';
import { seededRandom } from '../../../runtime/random.js';
import { startNodeProcess } from '../../node-process.js';
import type { ReviewOutcome } from './outcome.js';

const BIN = join(import.meta.dirname, '../../../bin/toxstate.js');
const MIB = 1024 * 1024;
/** How long a CLI run may take before it counts as hanging (and is killed). */
const HANG_MS = 10_000;

/** Writes the process's peak resident set (KiB) to $REVIEW_MAX_RSS_FILE at exit. */
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { const f = process.env.REVIEW_MAX_RSS_FILE; if (f) writeFileSync(f, String(process.resourceUsage().maxRSS)); });",
)}`;

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time until exit (or until killed). */
  readonly ms: number;
  /** Killed after HANG_MS (or the given limit). */
  readonly hung: boolean;
  /** Peak resident memory of the CLI process in MB (null when it was killed). */
  readonly maxRssMb: number | null;
}

/** Runs `toxstate …` with a time limit, no TOXSTATE_* variables inherited, and its peak memory measured. */
export function runCli(args: readonly string[], opts: { env?: Record<string, string>; limitMs?: number; cwd?: string; stdinFrom?: string } = {}): CliRun {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TOXSTATE_')) env[k] = v;
  const rssDir = mkdtempSync(join(tmpdir(), 'toxstate-rss-'));
  const rssFile = join(rssDir, 'maxrss');
  const stdinFd = opts.stdinFrom === undefined ? null : openSync(opts.stdinFrom, 'r');
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', RSS_PRELOAD, BIN, ...args], {
    env: { ...env, ...opts.env, REVIEW_MAX_RSS_FILE: rssFile },
    ...(stdinFd === null ? { input: '' } : { stdio: [stdinFd, 'pipe', 'pipe'] as const }),
    cwd: opts.cwd,
    encoding: 'utf8',
    timeout: opts.limitMs ?? HANG_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * MIB,
  });
  const ms = Date.now() - t0;
  if (stdinFd !== null) closeSync(stdinFd);
  const maxRssMb = existsSync(rssFile) ? Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024) : null;
  rmSync(rssDir, { recursive: true, force: true });
  const hung = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  if (r.error && !hung) throw r.error;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms, hung, maxRssMb };
}

/** Exit 2 with exactly one line "toxstate: …" matching `pattern`, quickly. */
function refusedWithOneLine(r: CliRun, pattern: RegExp): boolean {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  return !r.hung && r.status === 2 && lines.length === 1 && lines[0]!.startsWith('toxstate: ') && pattern.test(lines[0]!);
}

function withDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `toxstate-review-${prefix}-`));
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const firstLine = (s: string) => s.split('\n').find((l) => l !== '') ?? '';
/** The first stderr line with the scenario's temporary directory left out (stable across runs). */
const quoted = (s: string, dir: string) => firstLine(s).replaceAll(`${dir}/`, '');

// ---- item 7: temp files, symbolic links --------------------------------------------------------

/**
 * A running `toxstate node` saves Alice's profile on SIGTERM. Before that, the attacker plants
 * symbolic links to a file of theirs (0644, empty) at the old predictable temp name
 * `alice.tox.tmp-<pid>` (the pid is public) and at 128 more guesses (neighbouring pids and
 * random 32-hex names). Held: the attacker's file stays empty, the links are where they were, and
 * alice.tox is a regular 0600 file holding Alice's identity and the new name.
 */
export async function plantedTempSymlinks(crypto: Crypto): Promise<ReviewOutcome> {
  return withDir('tmp-link', async (dir) => {
    const alice = join(dir, 'alice.tox');
    const profile = newProfile(crypto, seededRandom(701));
    await saveProfile(alice, profile, { crypto });
    const attackerFile = join(dir, 'attacker-owned');
    writeFileSync(attackerFile, '', { mode: 0o644 });

    const children: ChildProcess[] = [];
    const node = startNodeProcess(['--profile', alice, '--name', 'saved by the node', '--run-seconds', '60'], children);
    try {
      await node.waitFor((e) => e.ev === 'self', 20_000, 'self line');
      const pid = node.child.pid!;
      const planted: string[] = [`alice.tox.tmp-${pid}`];
      for (let d = 1; d <= 32; d++) planted.push(`alice.tox.tmp-${pid + d}`, `alice.tox.tmp-${pid - d}`);
      const guess = seededRandom(702);
      for (let i = 0; i < 63; i++) planted.push(`alice.tox.tmp-${toHex(guess.bytes(16))}`);
      for (const name of planted) symlinkSync(attackerFile, join(dir, name));
      // The node honours SIGTERM from its first line on, and saves on the way out.
      await node.stop();
      const attackerBytes = statSync(attackerFile).size;
      const st = lstatSync(alice);
      const isLinkToAttacker = (n: string) => {
        try {
          return lstatSync(join(dir, n)).isSymbolicLink() && readlinkSync(join(dir, n)) === attackerFile;
        } catch {
          return false; // gone (renamed over the profile, as the old save did)
        }
      };
      const linksIntact = planted.every(isLinkToAttacker);
      let sameIdentity = false;
      let newName = '';
      if (st.isFile()) {
        const back = await loadProfile(alice, { crypto });
        sameIdentity = toHex(back.profile.keys.secretKey) === toHex(profile.keys.secretKey);
        newName = new TextDecoder().decode(back.profile.name);
      }
      const secretInAttackerFile = readFileSync(attackerFile).includes(Buffer.from(profile.keys.secretKey));
      const held = attackerBytes === 0 && !secretInAttackerFile && st.isFile() && (st.mode & 0o777) === 0o600 && sameIdentity && newName === 'saved by the node' && linksIntact;
      return {
        item: 7,
        attack: `symbolic links to the attacker's 0644 file planted at alice.tox.tmp-<pid> of a running toxstate node and ${planted.length - 1} more guessed temp names; the node then saves`,
        before: "the profile with its secret key written into the attacker's file; the profile replaced by the link",
        result: held
          ? `attacker's file still ${attackerBytes} bytes; alice.tox a regular 0600 file with Alice's identity and the new name; all ${planted.length} planted links untouched`
          : `attacker's file ${attackerBytes} bytes (secret key in it: ${secretInAttackerFile}); alice.tox ${st.isSymbolicLink() ? 'a symbolic link' : st.isFile() ? `a file, mode ${(st.mode & 0o777).toString(8)}, same identity ${sameIdentity}, name ${JSON.stringify(newName)}` : 'not a file'}; links intact ${linksIntact}`,
        held,
        figures: { plantedLinks: planted.length, attackerFileBytes: attackerBytes, secretKeyInAttackerFile: secretInAttackerFile, profileIsRegularFile: st.isFile(), profileMode: (st.mode & 0o777).toString(8), sameIdentity },
      };
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    }
  });
}

/**
 * The temp file is created exclusively: even a symbolic link at the exact name the save picks
 * (to the attacker's file, or dangling into a place the attacker reads) makes the creation fail,
 * writing nothing anywhere. Performed on createFileExclusive, the step saveProfile uses.
 */
export async function linkAtExactTempName(): Promise<ReviewOutcome> {
  return withDir('exact-link', async (dir) => {
    const attackerFile = join(dir, 'attacker-owned');
    writeFileSync(attackerFile, '', { mode: 0o644 });
    const toFile = join(dir, 'p.tox.tmp-a');
    const dangling = join(dir, 'p.tox.tmp-b');
    const danglingTarget = join(dir, 'attacker-will-read');
    symlinkSync(attackerFile, toFile);
    symlinkSync(danglingTarget, dangling);
    const secret = new Uint8Array(64).fill(0x5a);
    const codes: string[] = [];
    for (const p of [toFile, dangling]) {
      await createFileExclusive(p, secret).then(
        () => codes.push('created'),
        (e: NodeJS.ErrnoException) => codes.push(e.code ?? String(e)),
      );
    }
    const attackerBytes = statSync(attackerFile).size;
    const danglingCreated = existsSync(danglingTarget);
    const linksIntact = lstatSync(toFile).isSymbolicLink() && lstatSync(dangling).isSymbolicLink();
    const held = codes.every((c) => c === 'EEXIST') && attackerBytes === 0 && !danglingCreated && linksIntact;
    return {
      item: 7,
      attack: "a symbolic link at the exact temp-file name the save opens: one to the attacker's file, one dangling into a place the attacker reads",
      before: 'the open followed the link (no O_EXCL, no O_NOFOLLOW): the secret key landed where the link pointed',
      result: held
        ? "both creations refused (EEXIST); nothing written through either link; the attacker's file still empty, the dangling target not created"
        : `creations: ${codes.join(', ')}; attacker's file ${attackerBytes} bytes; dangling target created ${danglingCreated}`,
      held,
      figures: { results: codes.join(','), attackerFileBytes: attackerBytes, danglingTargetCreated: danglingCreated },
    };
  });
}

/**
 * alice.tox is a symbolic link to store/alice.tox (a profile kept on another volume). The CLI
 * changes it twice (nospam --set; a node run with --name). Held: the link stays a link to the same
 * place, and the target has both changes.
 */
export async function saveThroughSymlinkedProfile(crypto: Crypto): Promise<ReviewOutcome> {
  return withDir('via-link', async (dir) => {
    mkdirSync(join(dir, 'store'));
    const real = join(dir, 'store', 'alice.tox');
    const link = join(dir, 'alice.tox');
    const profile = newProfile(crypto, seededRandom(703));
    await saveProfile(real, profile, { crypto });
    symlinkSync('store/alice.tox', link);
    const nospam = runCli(['nospam', '--profile', link, '--set', '0A0B0C0D']);
    const node = runCli(['node', '--profile', link, '--bind', '127.0.0.1', '--port', '0', '--name', 'via the link', '--run-seconds', '1'], { limitMs: 30_000 });
    const stillLink = lstatSync(link).isSymbolicLink() && readlinkSync(link) === 'store/alice.tox';
    const back = await loadProfile(real, { crypto });
    const nospamHex = toHex(back.profile.keys.nospam).toUpperCase();
    const name = new TextDecoder().decode(back.profile.name);
    const sameIdentity = toHex(back.profile.keys.publicKey) === toHex(profile.keys.publicKey);
    const strays = [...readdirSync(dir), ...readdirSync(join(dir, 'store'))].filter((f) => f.includes('.tmp-'));
    const held = nospam.status === 0 && node.status === 0 && stillLink && nospamHex === '0A0B0C0D' && name === 'via the link' && sameIdentity && strays.length === 0;
    return {
      item: 7,
      attack: 'the profile path is a symbolic link to the real profile; toxstate nospam --set and toxstate node --name save through it',
      before: 'the link was replaced by a regular file (the real profile left behind, unchanged)',
      result: held
        ? 'the link stays a link to store/alice.tox; the target has the new nospam and name, the same identity; no temp file left'
        : `exit ${nospam.status}/${node.status}; still a link ${stillLink}; target nospam ${nospamHex}, name ${JSON.stringify(name)}; strays ${strays.join(', ')} ${firstLine(nospam.stderr)} ${firstLine(node.stderr)}`,
      held,
      figures: { linkKept: stillLink, targetNospam: nospamHex, targetName: name, sameIdentity, strayTempFiles: strays.length },
    };
  });
}

/**
 * alice.tox is a symbolic link to a profile that is not there (its volume not mounted). Held:
 * `toxstate node`, `id --create` and `export --force` to it all exit 2 naming the dangling link;
 * nothing is created at either end; the link stays.
 */
export async function danglingProfileLink(crypto: Crypto): Promise<ReviewOutcome> {
  return withDir('dangling', async (dir) => {
    const link = join(dir, 'alice.tox');
    const target = join(dir, 'unmounted-volume.tox');
    symlinkSync('unmounted-volume.tox', link);
    const other = join(dir, 'other.tox');
    await saveProfile(other, newProfile(crypto, seededRandom(704)), { crypto });
    const runs = {
      node: runCli(['node', '--profile', link, '--bind', '127.0.0.1', '--port', '0', '--run-seconds', '1'], { limitMs: 30_000 }),
      create: runCli(['id', '--profile', link, '--create']),
      export: runCli(['export', '--profile', other, '--out', link, '--force']),
    };
    const refused = Object.values(runs).every((r) => refusedWithOneLine(r, /symbolic link to unmounted-volume\.tox, which does not exist/));
    const stillDangling = lstatSync(link).isSymbolicLink() && !existsSync(target);
    const strays = readdirSync(dir).filter((f) => f.includes('.tmp-'));
    const held = refused && stillDangling && strays.length === 0;
    return {
      item: 7,
      attack: 'the profile path is a dangling symbolic link (its target not there); toxstate node, id --create and export --force are pointed at it',
      before: 'a new identity was minted silently and the link replaced by it',
      result: held
        ? `all three refused, exit 2, one line each ("${quoted(runs.node.stderr, dir)}"); no identity minted; the link still dangles`
        : `exits ${Object.values(runs).map((r) => r.status).join('/')}; ${Object.values(runs).map((r) => firstLine(r.stderr)).join(' | ')}; link still dangling ${stillDangling}; strays ${strays.length}`,
      held,
      figures: { refused: Object.values(runs).filter((r) => r.status === 2).length, commands: 3, identityMinted: existsSync(target) || !lstatSync(link).isSymbolicLink() },
    };
  });
}

// ---- item 8: what a profile (or capture) file is -----------------------------------------------

/**
 * A FIFO (nobody writing to it) given as --profile to id and node, as --in to import, as --pcap
 * to dissect, as --results to conformance. Held: each exits 2 at once with one line naming the
 * FIFO; nothing is written.
 */
export async function fifoAsInput(): Promise<ReviewOutcome> {
  return withDir('fifo', async (dir) => {
    const fifo = join(dir, 'profile.tox');
    execFileSync('mkfifo', [fifo]);
    const out = join(dir, 'imported.tox');
    const runs = [
      runCli(['id', '--profile', fifo]),
      runCli(['node', '--profile', fifo, '--bind', '127.0.0.1', '--port', '0', '--run-seconds', '1']),
      runCli(['import', '--in', fifo, '--profile', out]),
      runCli(['dissect', '--pcap', fifo]),
      runCli(['conformance', '--results', fifo, '--out', join(dir, 'conformance.md')]),
    ];
    const slowestMs = Math.max(...runs.map((r) => r.ms));
    const hung = runs.filter((r) => r.hung).length;
    const held = runs.every((r) => refusedWithOneLine(r, /it is a FIFO \(named pipe\), not a regular file/)) && !existsSync(out) && !existsSync(join(dir, 'conformance.md'));
    return {
      item: 8,
      attack: 'a FIFO nobody writes to, given as id/node --profile, import --in, dissect --pcap and conformance --results',
      before: 'toxstate hung forever waiting for a writer',
      result: held
        ? `all ${runs.length} refused at once, exit 2 ("${quoted(runs[0]!.stderr, dir)}"); slowest ${slowestMs} ms (CLI start-up included)`
        : `${hung} of ${runs.length} hung (killed after ${HANG_MS} ms); exits ${runs.map((r) => r.status).join('/')}; ${runs.map((r) => firstLine(r.stderr)).join(' | ')}`,
      held,
      figures: { commands: runs.length, hung, slowestMs },
    };
  });
}

/**
 * /dev/zero as id --profile, import --in and dissect --pcap: held when each exits 2 before
 * reading a byte, in little memory. And as dissect's stdin (hex lines, no file to stat): held
 * when it stops at the 64 MiB stdin limit with exit 2.
 */
export async function devZeroAsInput(): Promise<ReviewOutcome> {
  return withDir('zero', async (dir) => {
    const out = join(dir, 'imported.tox');
    const runs = [runCli(['id', '--profile', '/dev/zero']), runCli(['import', '--in', '/dev/zero', '--profile', out]), runCli(['dissect', '--pcap', '/dev/zero'])];
    const slowestMs = Math.max(...runs.map((r) => r.ms));
    const peakMb = Math.max(...runs.map((r) => r.maxRssMb ?? Infinity));
    const stdin = runCli(['dissect'], { stdinFrom: '/dev/zero' });
    const stdinHeld = refusedWithOneLine(stdin, /dissect: stdin: more than 64 MiB of hex lines/) && (stdin.maxRssMb ?? Infinity) < 400;
    const held = runs.every((r) => refusedWithOneLine(r, /\/dev\/zero: it is a character device, not a regular file/)) && !existsSync(out) && peakMb < 300 && stdinHeld;
    return {
      item: 8,
      attack: '/dev/zero given as id --profile, import --in and dissect --pcap, and as dissect\'s stdin',
      before: 'the process grew to 2.6 GB in 20 s',
      result: held
        ? `all 3 files refused before reading a byte, exit 2 ("${firstLine(runs[0]!.stderr)}"); slowest ${slowestMs} ms; peak memory ${peakMb} MB (the CLI's own start-up); as stdin, stopped at the 64 MiB limit after ${stdin.ms} ms, peak ${stdin.maxRssMb} MB`
        : `exits ${[...runs, stdin].map((r) => (r.hung ? 'killed' : r.status)).join('/')}; peak ${peakMb} MB, stdin ${stdin.maxRssMb ?? 'killed'} MB; ${[...runs, stdin].map((r) => firstLine(r.stderr)).join(' | ')}`,
      held,
      figures: { commands: 3, slowestMs, peakRssMb: Number.isFinite(peakMb) ? peakMb : 'killed', stdinMs: stdin.ms, stdinPeakRssMb: stdin.maxRssMb ?? 'killed' },
    };
  });
}

/**
 * A valid profile followed by one unknown section of `sectionBytes` zero bytes, then END:
 * written sparse (the zeros take no disk). Returns the path and the profile in it.
 */
async function profileWithUnknownSection(crypto: Crypto, path: string, sectionBytes: number, seed: number) {
  const profile = newProfile(crypto, seededRandom(seed));
  const plain = serializeSavedata(profile);
  const beforeEnd = plain.subarray(0, plain.length - 8); // END is the last 8 bytes (no trailer)
  const header = new Uint8Array(8);
  const v = new DataView(header.buffer);
  v.setUint32(0, sectionBytes, true);
  v.setUint32(4, ((STATE_COOKIE_TYPE << 16) | 0x1234) >>> 0, true);
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, beforeEnd, 0, beforeEnd.length, 0);
    writeSync(fd, header, 0, 8, beforeEnd.length);
    const end = plain.subarray(plain.length - 8);
    writeSync(fd, end, 0, 8, beforeEnd.length + 8 + sectionBytes); // the gap stays a hole
  } finally {
    closeSync(fd);
  }
  return profile;
}

/**
 * A valid profile with one 200 MiB unknown section (sparse), given to id and nospam --random.
 * Held: refused by its size (over the 64 MiB limit) with one line, in little memory, the file
 * untouched.
 */
export async function hugeUnknownSection(crypto: Crypto): Promise<ReviewOutcome> {
  return withDir('huge', async (dir) => {
    const path = join(dir, 'huge.tox');
    await profileWithUnknownSection(crypto, path, 200 * MIB, 705);
    const before = statSync(path, { bigint: true });
    const id = runCli(['id', '--profile', path]);
    const nospam = runCli(['nospam', '--profile', path, '--random']);
    const after = statSync(path, { bigint: true });
    const untouched = after.size === before.size && after.mtimeNs === before.mtimeNs;
    const peakMb = Math.max(id.maxRssMb ?? Infinity, nospam.maxRssMb ?? Infinity);
    const limit = MAX_PROFILE_FILE_BYTES / MIB;
    const pattern = new RegExp(`it is 200\\.0 MiB, over the ${limit} MiB limit for a profile`);
    const held = refusedWithOneLine(id, pattern) && refusedWithOneLine(nospam, pattern) && untouched && peakMb < 300;
    return {
      item: 8,
      attack: 'a valid profile carrying one 200 MiB unknown section, given to toxstate id and nospam --random',
      before: 'loaded into 705 MB of memory',
      result: held
        ? `refused by its size before reading, exit 2 ("${quoted(id.stderr, dir)}"); peak memory ${peakMb} MB; the file untouched`
        : `exits ${id.status}/${nospam.status}; peak ${peakMb} MB; untouched ${untouched}; ${firstLine(id.stderr)} ${id.stdout.trim()}`,
      held,
      figures: { sectionMiB: 200, limitMiB: limit, peakRssMb: Number.isFinite(peakMb) ? peakMb : 'killed', fileUntouched: untouched },
    };
  });
}

/**
 * Under the file limit: a valid profile with one 48 MiB unknown section, rewritten by
 * nospam --random. Held: it loads in memory bounded by about one copy of the file (the section
 * is not copied), and the section — over the 4 MiB kept for re-saving — is dropped with a
 * warning, as c-toxcore drops every unknown section, so the rewritten file is small again.
 */
export async function largeUnknownSectionUnderLimit(crypto: Crypto): Promise<ReviewOutcome> {
  return withDir('large', async (dir) => {
    const sectionMiB = 48;
    const small = join(dir, 'small.tox');
    await saveProfile(small, newProfile(crypto, seededRandom(706)), { crypto });
    const baseline = runCli(['nospam', '--profile', small, '--random']);
    const path = join(dir, 'large.tox');
    const profile = await profileWithUnknownSection(crypto, path, sectionMiB * MIB, 707);
    const r = runCli(['nospam', '--profile', path, '--random']);
    const sizeAfter = statSync(path).size;
    const parsed = parseSavedata(crypto, new Uint8Array(readFileSync(path)));
    const sameIdentity = parsed.ok && toHex(parsed.value.keys.publicKey) === toHex(profile.keys.publicKey);
    const unknownLeft = parsed.ok ? parsed.value.unknownSections.length : -1;
    const extraMb = r.maxRssMb !== null && baseline.maxRssMb !== null ? r.maxRssMb - baseline.maxRssMb : Infinity;
    const warned = /1 unknown section \(50331648 bytes\) dropped/.test(r.stderr);
    const held = r.status === 0 && baseline.status === 0 && warned && sameIdentity && unknownLeft === 0 && sizeAfter < 4096 && extraMb < 1.5 * sectionMiB;
    return {
      item: 8,
      attack: `a valid profile under the 64 MiB limit carrying one ${sectionMiB} MiB unknown section, rewritten by toxstate nospam --random`,
      before: 'unknown sections were copied on load and written back whole, whatever their size',
      result: held
        ? `loaded with ${extraMb} MB more peak memory than a small profile (${baseline.maxRssMb} → ${r.maxRssMb} MB): the read buffer, the section not copied; the section dropped with a warning (c-toxcore keeps none), the rewritten file ${sizeAfter} bytes with the same identity`
        : `exit ${r.status}; extra memory ${extraMb} MB; warned ${warned}; file after ${sizeAfter} bytes; unknown sections left ${unknownLeft}; ${firstLine(r.stderr)}`,
      held,
      figures: { sectionMiB, baselineRssMb: baseline.maxRssMb ?? 'killed', peakRssMb: r.maxRssMb ?? 'killed', extraRssMb: Number.isFinite(extraMb) ? extraMb : 'n/a', fileBytesAfter: sizeAfter, unknownSectionsLeft: unknownLeft },
    };
  });
}

/** All the profile scenarios, in item order. */
export async function runProfileReview(crypto: Crypto): Promise<ReviewOutcome[]> {
  return [
    await plantedTempSymlinks(crypto),
    await linkAtExactTempName(),
    await saveThroughSymlinkedProfile(crypto),
    await danglingProfileLink(crypto),
    await fifoAsInput(),
    await devZeroAsInput(),
    await hugeUnknownSection(crypto),
    await largeUnknownSectionUnderLimit(crypto),
  ];
}
