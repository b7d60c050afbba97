/**
 * `toxstate check` on a capture made the way a reviewer makes one: tcpdump on the loopback
 * interface (Ethernet frames, as Linux writes them for lo) while `toxstate node` (the CLI) and a
 * c-toxcore peer befriend each other — once with Debian's 0.2.18 and once with 0.2.23
 * (harness/interop/c-versions.ts; the test names say which). The check must find the pair from the
 * node's profile alone, see both sides reach Established, and report no violation.
 *
 * tcpdump only listens (on lo); both peers stay on loopback (the node binds 127.0.0.1, c-toxcore
 * runs under the loopback shim). Needs c-toxcore and tcpdump (installed with apt-get when root);
 * skipped with the printed reason otherwise, and TOXSTATE_REQUIRE_INTEROP=1 makes that a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeProcess } from '../../harness/node-process.js';
import { closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { cTag, cVersions } from '../../harness/interop/c-versions.js';
import { ensureDebianTool } from '../../harness/debian-tool.js';
import { toxstate } from '../cli/run.js';

const TCPDUMP = '/usr/bin/tcpdump';

function tcpdumpAvailability(): string | null {
  const missing = ensureDebianTool(TCPDUMP, 'tcpdump', 300_000);
  if (missing !== null) return missing;
  return process.getuid?.() === 0 ? null : 'capturing on lo needs root';
}

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing
const interop = { ok: versions[0].available };
const tcpdumpProblem = interop.ok ? tcpdumpAvailability() : null;
if (interop.ok && tcpdumpProblem !== null) {
  console.log(`SKIPPED: c-toxcore interop: tcpdump: ${tcpdumpProblem}`);
  if (process.env['TOXSTATE_REQUIRE_INTEROP'] === '1') throw new Error(`SKIPPED: c-toxcore interop: tcpdump: ${tcpdumpProblem}`);
}

const WAIT_MS = 40_000;
let dir = '';
const children: ChildProcess[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'toxstate-tcpdump-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await closeAllPeers();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

for (const v of versions) describe.skipIf(!v.available || tcpdumpProblem !== null)(`toxstate check on a tcpdump capture of toxstate node and c-toxcore ${cTag(v)}`, () => {
  it('finds the pair from the node profile alone: both sides Established, no violation', async () => {
    const pcap = path.join(dir, `lo-${v.version}.pcap`);
    // -U: write each packet at once; -Z root: keep writing into this root-owned directory.
    const dump = spawn(TCPDUMP, ['-i', 'lo', '-n', '-U', '-Z', 'root', '-w', pcap, 'udp'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(dump);
    let dumpErr = '';
    dump.stderr!.on('data', (b: Buffer) => (dumpErr += b.toString()));
    for (let i = 0; i < 50 && !dumpErr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(dumpErr, dumpErr).toContain('listening on lo');

    const profile = path.join(dir, `node-${v.version}.tox`);
    const node = startNodeProcess(['--profile', profile, '--accept-friends', '--echo'], children);
    const self = await node.waitFor((e) => e.ev === 'self', 20_000, 'self event');
    const c = await CPeer.start({ label: 'c-toxcore', name: 'c-toxcore', bootstrap: [{ port: Number(self['port']), dhtpk: String(self['dhtpk']) }], ...v.extra });
    expect(c.identity.toxcore).toBe(v.version);
    const added = await c.request(`add ${String(self['toxid'])} hello from c-toxcore`, 'friend_added');
    await Promise.all([
      node.waitFor((e) => e.ev === 'friend_online', WAIT_MS, 'friend_online'),
      c.waitForEvent('friend_connection', (e) => e.friend === added.friend && e.status === 'udp', WAIT_MS),
    ]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await node.stop()).toBe(0);
    dump.kill('SIGINT');
    await new Promise((r) => dump.once('exit', r));
    expect((await stat(pcap)).size).toBeGreaterThan(10_000);

    const r = toxstate(['check', '--pcap', pcap, '--profile', profile, '--json']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.at(-1)!;
    expect(summary, r.stdout + r.stderr).toMatchObject({ ev: 'summary', violations: 0 });
    expect(summary['pairs']).toBeGreaterThanOrEqual(1);
    expect(r.status, r.stderr).toBe(0);
    const established = lines.filter((l) => l.ev === 'progress' && l.state === 'Established' && l.friend !== null).map((l) => [l.observer, l.friend]);
    const nodePk = String(self['pk']).toUpperCase();
    const cPk = c.identity.pk.toUpperCase();
    expect(established).toEqual(expect.arrayContaining([[nodePk, cPk], [cPk, nodePk]]));
  }, 120_000);
});
