/**
 * The c-toxcore interop harness tested against the real library: the loopback shim keeps
 * c-toxcore on 127.0.0.1 and swallows anything else, and two c-toxcore peers become friends by a
 * friend request, exchange messages and receipts, and report the time to friend-online. Everything
 * that runs c-toxcore runs once with Debian's 0.2.18 and once with 0.2.23
 * (harness/interop/c-versions.ts; the test names say which); the shim probe involves no c-toxcore.
 *
 * Skipped, with `SKIPPED: c-toxcore interop: <reason>` printed, when libtoxcore-dev or a C compiler
 * is missing and cannot be installed. With TOXSTATE_REQUIRE_INTEROP=1 that is a failure instead.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriendByRequest, closeAllPeers, CPeer, startPeers } from '../../harness/interop/cpeer.js';
import type { CPeerEvent } from '../../harness/interop/cpeer-events.js';
import { cTag, cVersions } from '../../harness/interop/c-versions.js';
import { buildCPeerAt, buildNative } from '../../harness/interop/native-build.js';
import { udpSocketsOfPid } from '../../harness/interop/proc-udp.js';
import { netnsAvailable, runShimProbe } from '../../harness/interop/shim-probe.js';
import { parseShimLog } from '../../harness/interop/shim-log.js';

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing
const skip = !versions[0].available;
const netns = skip ? false : await netnsAvailable();

/** Bound on every wait for a c-toxcore event (friend online takes ~10 s on loopback). */
const WAIT_MS = 40_000;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'toxstate-interop-'));
});
afterAll(async () => {
  await closeAllPeers();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function runToExit(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdin.on('error', () => undefined); // EPIPE when the process refuses to start
    child.stdin.end('quit\n');
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

/** The cpeer binary linked with this version's libtoxcore. */
const cpeerOf = async (v: (typeof versions)[number]): Promise<string> =>
  v.extra.toxcorePrefix !== undefined ? buildCPeerAt(v.extra.toxcorePrefix) : (await buildNative()).cpeer;

for (const v of versions) describe.skipIf(!v.available)(`cpeer safety checks ${cTag(v)}`, () => {
  it('refuses to start without the loopback shim preloaded', async () => {
    const cpeer = await cpeerOf(v);
    const env = { ...process.env };
    delete env['LD_PRELOAD'];
    const r = await runToExit(cpeer, [], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not preloaded/);
    expect(r.stdout).toBe('');
  });

  it('refuses a --bootstrap address other than 127.0.0.1', async () => {
    const { shim } = await buildNative();
    const r = await runToExit(await cpeerOf(v), ['--bootstrap', `10.0.0.1:33445:${'AB'.repeat(32)}`], { ...process.env, LD_PRELOAD: shim });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only 127\.0\.0\.1/);
  });

  it('refuses a bootstrap command to a non-loopback address, accepts 127.0.0.1', async () => {
    const peer = await CPeer.start({ label: 'lonely', ...v.extra });
    expect(peer.identity.toxcore).toBe(v.version);
    const since = peer.mark();
    peer.send(`bootstrap 192.0.2.1 33445 ${'AB'.repeat(32)}`);
    const e = await peer.waitForEvent('error', undefined, WAIT_MS, since);
    expect(e.what).toBe('bootstrap');
    expect(e.detail).toMatch(/only 127\.0\.0\.1/);
    const ok = await peer.request(`bootstrap 127.0.0.1 ${peer.identity.port} ${'AB'.repeat(32)}`, 'bootstrapped');
    expect(ok.port).toBe(peer.identity.port);
    const exit = await peer.close();
    expect(exit.code).toBe(0);
    expect(peer.events.at(-1)?.event).toBe('bye');
  });
});

describe.skipIf(skip)('loopback shim probe (no c-toxcore)', () => {
  it('rewrites wildcard binds to 127.0.0.1, passes loopback traffic and swallows non-loopback sends (probe, no netns)', async () => {
    const log = path.join(dir, 'probe.log');
    const { result, run } = await runShimProbe({ netns: false, shimLog: log });
    expect(result, run.stderr).toBeDefined();
    expect(result?.ok).toBe(true);
    expect(result?.bind4).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(result?.loop).toBe(true);
    const drops = result?.drop ?? [];
    const swallowed = drops.filter((d) => d.call !== 'send-after-dropped-connect');
    expect(swallowed.map((d) => d.dest)).toEqual(['192.0.2.1:33445', '255.255.255.255:33445', '10.1.2.3:33445', '192.0.2.1:33446']);
    for (const d of swallowed) {
      expect(d.rc, d.dest).toBeGreaterThanOrEqual(0); // pretended success
      expect(d.counted, d.dest).toBe(1);
    }
    // The swallowed connect left the socket unconnected, so a plain send fails locally.
    expect(drops.find((d) => d.call === 'send-after-dropped-connect')?.rc).toBe(-1);
    expect(result?.dropped_total).toBe(4);
    expect(run.stderr).toMatch(/dropped 4 non-loopback/);

    const parsed = parseShimLog(await readFile(log, 'utf8'));
    expect(parsed.errors).toEqual([]);
    const ping = Buffer.from('toxstate-shim-probe "ping"');
    const pings = parsed.records.filter((r) => Buffer.from(r.payload).equals(ping));
    expect(pings.map((r) => r.dir).sort()).toEqual(['recv', 'send']);
    const sent = pings.find((r) => r.dir === 'send');
    const got = pings.find((r) => r.dir === 'recv');
    expect(sent?.src).toEqual(got?.src);
    expect(sent?.dst).toEqual(got?.dst);
    expect(parsed.records.filter((r) => r.dir === 'drop').map((r) => `${r.dst?.ip}:${r.dst?.port}`)).toEqual([
      '192.0.2.1:33445',
      '255.255.255.255:33445',
      '10.1.2.3:33445',
    ]);
    for (const r of parsed.records) expect(r.src?.ip).toBe('127.0.0.1');
  });

  it.skipIf(!netns)('also covers IPv6 (:: -> ::1, 2001:db8::1 and ff02::1 swallowed) inside a private network namespace', async () => {
    const { result, run } = await runShimProbe({ netns: true });
    expect(result, run.stderr).toBeDefined();
    expect(result?.ok).toBe(true);
    expect(result?.bind6).toMatch(/^\[::1\]:\d+$/);
    const v6 = (result?.drop ?? []).filter((d) => d.dest?.startsWith('['));
    expect(v6.map((d) => d.dest)).toEqual(['[2001:db8::1]:33445', '[ff02::1]:33445']);
    for (const d of v6) expect(d.counted).toBe(1);
    expect(result?.dropped_total).toBe(6);
  });
  if (!skip && !netns) console.log('SKIPPED: c-toxcore interop: IPv6 shim probe needs `unshare -rn` (user + network namespaces)');
});

for (const v of versions) describe.skipIf(!v.available)(`loopback shim around c-toxcore ${cTag(v)}`, () => {
  it('keeps c-toxcore on 127.0.0.1: every UDP socket of cpeer is bound to loopback', async () => {
    const peer = await CPeer.start({ label: 'bound', ...v.extra });
    expect(peer.identity.toxcore).toBe(v.version);
    const sockets = await udpSocketsOfPid(peer.pid);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.map((s) => s.port)).toContain(peer.identity.port);
    for (const s of sockets) expect(`${s.address}:${s.port}`).toMatch(/^127\.\d+\.\d+\.\d+:\d+$/);
    const info = await peer.info();
    expect(info.shim_rebound).toBeGreaterThanOrEqual(1);
    expect(info.shim_dropped).toBe(0); // local discovery is off: c-toxcore has nothing to broadcast
    await peer.close();
  });
});

for (const v of versions) describe.skipIf(!v.available)(`two c-toxcore peers on loopback ${cTag(v)}`, () => {
  it('become friends by request + accept-all, reach UDP, exchange messages and receipts both ways', async () => {
    const profiles = [path.join(dir, `alice-${v.version}.tox`), path.join(dir, `bob-${v.version}.tox`)];
    const [alice, bob] = await startPeers(2, (i) => ({ name: i === 0 ? 'Alice' : 'Bob', acceptAll: i === 0, profile: profiles[i]!, ...v.extra }));
    if (alice === undefined || bob === undefined) throw new Error('two peers expected');

    const started = performance.now();
    const link = await befriendByRequest(bob, alice, 'Hi "Alice" \\ from Bob', WAIT_MS);
    const wall = performance.now() - started;
    const request = alice.events.find((e): e is Extract<CPeerEvent, { event: 'friend_request' }> => e.event === 'friend_request');
    expect(request?.message).toBe('Hi "Alice" \\ from Bob');
    expect(request?.pk).toBe(bob.identity.pk);
    console.log(
      `c-toxcore <-> c-toxcore friend online (UDP): requester ${link.fromOnlineT} ms, accepter ${link.toOnlineT} ms ` +
        `after tox_new; ${Math.round(wall)} ms after the friend request was issued; ` +
        `request reached the accepter at ${request?.t} ms (see docs/protocol.md §10.2, expected ~10 s)`,
    );
    expect(link.fromOnlineT).toBeLessThan(WAIT_MS);

    // Messages both ways, with characters that test the JSON escaping in cpeer.
    const texts = ['plain hello', 'quotes " and \\ backslash\tand tab', 'héllo ✓ 🦊 ünïcödé'];
    for (const text of texts) {
      const since = alice.mark();
      const id = await bob.sendMessage(link.fromFriend, text);
      const got = await alice.waitForEvent('message', (e) => e.text === text, WAIT_MS, since);
      expect(got.type).toBe('normal');
      expect(got.pk).toBe(bob.identity.pk);
      await bob.waitForEvent('receipt', (e) => e.id === id && e.friend === link.fromFriend, WAIT_MS);
    }
    const actionId = await alice.sendMessage(link.toFriend, 'waves back', 'action');
    const action = await bob.waitForEvent('message', (e) => e.text === 'waves back', WAIT_MS);
    expect(action.type).toBe('action');
    await alice.waitForEvent('receipt', (e) => e.id === actionId, WAIT_MS);

    // Raw bytes: NUL, a control byte, an invalid UTF-8 byte, then valid UTF-8.
    const rawId = (await alice.request(`sendhex ${link.toFriend} 00077fff41c3a9`, 'sent')).id;
    const raw = await bob.waitForEvent('message', (e) => e.text_hex !== undefined, WAIT_MS);
    expect(raw.text_hex).toBe('00077FFF41C3A9');
    expect(raw.text).toBe('\u0000\u0007\u007f\ufffdAé');
    await alice.waitForEvent('receipt', (e) => e.id === rawId, WAIT_MS);

    // A nickname change reaches the friend.
    alice.send('name Alice the Second');
    await bob.waitForEvent('friend_name', (e) => e.name === 'Alice the Second', WAIT_MS);

    const friends = await bob.request('friends', 'friends');
    expect(friends.friends).toEqual([{ friend: link.fromFriend, pk: alice.identity.pk, status: 'udp', name: 'Alice the Second' }]);

    // Bob quits (saving his profile); Alice sees him go offline.
    expect((await bob.close()).code).toBe(0);
    expect(bob.events.some((e) => e.event === 'saved' && e.path === profiles[1])).toBe(true);
    await alice.waitForEvent('friend_connection', (e) => e.friend === link.toFriend && e.status === 'none', WAIT_MS);

    // Bob's profile brings back the same identity and friend list.
    const bob2 = await CPeer.start({ label: 'bob again', profile: profiles[1]!, ...v.extra });
    expect(bob2.identity.toxcore).toBe(v.version);
    expect(bob2.identity.pk).toBe(bob.identity.pk);
    expect(bob2.identity.name).toBe('Bob');
    const again = await bob2.request('friends', 'friends');
    expect(again.friends.map((f) => f.pk)).toEqual([alice.identity.pk]);
    await bob2.close();
    await alice.close();
  }, 120_000);
});
