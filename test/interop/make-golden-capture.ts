/**
 * Makes the golden capture of two c-toxcore 0.2.18 peers talking on loopback. Run by hand, not by
 * `npm test`:
 *
 *   npx tsx test/interop/make-golden-capture.ts [--out DIR]
 *
 * Scenario: Alice (accept-all) starts; Bob starts bootstrapping to Alice, Alice to Bob; Bob sends a
 * friend request; Alice accepts; both reach friend connection UDP; messages both ways (and an action)
 * with read receipts; Alice changes her nickname; Bob quits; a few seconds later Alice quits.
 *
 * Both peers run under the loopback shim with TOXSTATE_SHIM_LOG; the capture keeps each datagram
 * once (the shim's "send" lines, merged by timestamp) and is written as a classic pcap with IPv4+UDP
 * headers (LINKTYPE_IPV4). Written to DIR (default test/fixtures/captures/):
 *   ctoxcore-0.2.18-loopback.pcap          the capture
 *   ctoxcore-0.2.18-loopback.events.jsonl  both peers' cpeer events, with capture-relative times
 *   ctoxcore-0.2.18-alice.tox / -bob.tox   the peers' savedata (long-term keys, friend list)
 *   README.md                              how it was made, identities, steps, packet counts
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { befriendByRequest, closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { skipMessage, toxcoreAvailability } from '../../harness/interop/native-build.js';
import { writePcap, type PcapDatagram } from '../../harness/interop/pcap-writer.js';
import { parseShimLog, type ShimRecord } from '../../harness/interop/shim-log.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WAIT_MS = 40_000;
/** Quiet time after the last step before Alice quits, so the capture shows Alice noticing Bob's exit. */
const TAIL_MS = 3_000;
const PREFIX = 'ctoxcore-0.2.18';

/** Names for the first payload byte (docs/protocol.md §2.7, c-toxcore 0.2.18 toxcore/network.h). */
const PACKET_NAMES: Record<number, string> = {
  0x00: 'ping request',
  0x01: 'ping response',
  0x02: 'nodes request',
  0x04: 'nodes response',
  0x18: 'cookie request',
  0x19: 'cookie response',
  0x1a: 'handshake',
  0x1b: 'crypto data',
  0x20: 'DHT request (crypto request)',
  0x21: 'LAN discovery',
  0x80: 'onion request 0',
  0x81: 'onion request 1',
  0x82: 'onion request 2',
  0x83: 'announce request',
  0x84: 'announce response',
  0x85: 'onion data request',
  0x86: 'onion data response',
  0x8c: 'onion response 3',
  0x8d: 'onion response 2',
  0x8e: 'onion response 1',
  0x90: 'forward request',
  0x91: 'forwarding',
  0x92: 'forward reply',
  0x93: 'data search request',
  0x94: 'data search response',
  0x95: 'data retrieve request',
  0x96: 'data retrieve response',
  0x97: 'store announce request',
  0x98: 'store announce response',
  0xf0: 'bootstrap info',
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf('--out');
  const outDir = outArg > 0 && process.argv[outArg + 1] ? path.resolve(process.argv[outArg + 1]!) : path.join(HERE, '..', 'fixtures', 'captures');
  const availability = await toxcoreAvailability();
  if (!availability.ok) {
    console.error(skipMessage(availability));
    process.exitCode = 2;
    return;
  }
  const work = await mkdtemp(path.join(tmpdir(), 'toxstate-capture-'));
  const steps: { atMs: number; what: string }[] = [];
  const step = (what: string): void => {
    steps.push({ atMs: performance.timeOrigin + performance.now(), what });
    console.log(`${new Date().toISOString()} ${what}`);
  };

  const files = {
    aliceLog: path.join(work, 'alice.log'),
    bobLog: path.join(work, 'bob.log'),
    aliceTox: path.join(work, 'alice.tox'),
    bobTox: path.join(work, 'bob.tox'),
  };
  let alice: CPeer | undefined;
  let bob: CPeer | undefined;
  try {
    step('start Alice (accept-all)');
    alice = await CPeer.start({ label: 'alice', name: 'Alice', statusMessage: 'golden capture', acceptAll: true, profile: files.aliceTox, shimLog: files.aliceLog });
    step('start Bob, bootstrapping to Alice');
    bob = await CPeer.start({
      label: 'bob',
      name: 'Bob',
      profile: files.bobTox,
      shimLog: files.bobLog,
      bootstrap: [{ port: alice.identity.port, dhtpk: alice.identity.dhtpk }],
    });
    await alice.request(`bootstrap 127.0.0.1 ${bob.identity.port} ${bob.identity.dhtpk}`, 'bootstrapped');
    step('Alice bootstraps to Bob');

    step('Bob sends a friend request to Alice');
    const link = await befriendByRequest(bob, alice, 'Hello Alice, this is Bob', WAIT_MS);
    step(`friend online (UDP): Bob at ${link.fromOnlineT} ms, Alice at ${link.toOnlineT} ms after their tox_new`);

    const m1 = await bob.sendMessage(link.fromFriend, 'Hi Alice!');
    await alice.waitForEvent('message', (e) => e.text === 'Hi Alice!', WAIT_MS);
    await bob.waitForEvent('receipt', (e) => e.id === m1, WAIT_MS);
    step('Bob -> Alice "Hi Alice!" delivered and receipted');

    const m2 = await alice.sendMessage(link.toFriend, 'Hi Bob!');
    await bob.waitForEvent('message', (e) => e.text === 'Hi Bob!', WAIT_MS);
    await alice.waitForEvent('receipt', (e) => e.id === m2, WAIT_MS);
    step('Alice -> Bob "Hi Bob!" delivered and receipted');

    const m3 = await bob.sendMessage(link.fromFriend, 'waves', 'action');
    await alice.waitForEvent('message', (e) => e.text === 'waves' && e.type === 'action', WAIT_MS);
    await bob.waitForEvent('receipt', (e) => e.id === m3, WAIT_MS);
    step('Bob -> Alice action "waves" delivered and receipted');

    alice.send('name Alice (renamed)');
    await bob.waitForEvent('friend_name', (e) => e.name === 'Alice (renamed)', WAIT_MS);
    step('Alice renames herself "Alice (renamed)"; Bob sees the new name');

    const bobExit = await bob.close();
    if (bobExit.code !== 0) throw new Error(`Bob exited with ${JSON.stringify(bobExit)}`);
    step('Bob quits');
    await alice.waitForEvent('friend_connection', (e) => e.friend === link.toFriend && e.status === 'none', WAIT_MS);
    step('Alice sees Bob offline');
    await sleep(TAIL_MS);
    const aliceExit = await alice.close();
    if (aliceExit.code !== 0) throw new Error(`Alice exited with ${JSON.stringify(aliceExit)}`);
    step('Alice quits');
  } finally {
    await closeAllPeers();
  }
  if (alice === undefined || bob === undefined) throw new Error('peers did not start');

  // ---- merge the shim logs ----
  const logs = await Promise.all([readFile(files.aliceLog, 'utf8'), readFile(files.bobLog, 'utf8')]);
  const parsed = logs.map(parseShimLog);
  const errors = parsed.flatMap((p) => p.errors);
  if (errors.length > 0) throw new Error(`shim log parse errors: ${JSON.stringify(errors.slice(0, 5))}`);
  const all = parsed.flatMap((p) => p.records);
  const drops = all.filter((r) => r.dir === 'drop');
  if (drops.length > 0) throw new Error(`the shim dropped ${drops.length} non-loopback datagrams; refusing to write a capture`);
  const sends = all.filter((r) => r.dir === 'send').sort((a, b) => (a.timeUs < b.timeUs ? -1 : a.timeUs > b.timeUs ? 1 : 0));
  const recvKey = (r: ShimRecord): string => `${r.src?.ip}:${r.src?.port}>${r.dst?.ip}:${r.dst?.port}:${Buffer.from(r.payload).toString('hex')}`;
  const received = new Map<string, number>();
  for (const r of all) if (r.dir === 'recv') received.set(recvKey(r), (received.get(recvKey(r)) ?? 0) + 1);
  let unreceived = 0;
  for (const s of sends) {
    const n = received.get(recvKey(s)) ?? 0;
    if (n > 0) received.set(recvKey(s), n - 1);
    else unreceived++;
  }
  const datagrams: PcapDatagram[] = sends.map((r) => {
    if (r.src === undefined || r.dst === undefined || r.src.family !== 4 || r.dst.family !== 4) {
      throw new Error(`unexpected endpoint in ${JSON.stringify({ src: r.src, dst: r.dst })}`);
    }
    return { timeUs: r.timeUs, src: r.src, dst: r.dst, payload: r.payload };
  });
  const pcap = writePcap(datagrams);
  const firstUs = datagrams[0]?.timeUs ?? 0n;
  const rel = (unixMs: number): string => ((unixMs * 1000 - Number(firstUs)) / 1e6).toFixed(3);

  // ---- write the outputs ----
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, `${PREFIX}-loopback.pcap`), pcap);
  await copyFile(files.aliceTox, path.join(outDir, `${PREFIX}-alice.tox`));
  await copyFile(files.bobTox, path.join(outDir, `${PREFIX}-bob.tox`));
  const eventLines = [alice, bob].flatMap((p) =>
    p.events.map((e, i) => ({ at: Number(rel(p.arrivedAtMs[i] ?? 0)), peer: p.label, ...e })),
  );
  eventLines.sort((a, b) => a.at - b.at);
  await writeFile(path.join(outDir, `${PREFIX}-loopback.events.jsonl`), eventLines.map((e) => JSON.stringify(e)).join('\n') + '\n');

  const counts = new Map<number, number>();
  for (const d of datagrams) counts.set(d.payload[0] ?? -1, (counts.get(d.payload[0] ?? -1) ?? 0) + 1);
  const countRows = [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, n]) => `| \`0x${id.toString(16).padStart(2, '0')}\` | ${PACKET_NAMES[id] ?? '?'} | ${n} |`);
  const who = (p: CPeer, name: string, file: string): string =>
    `| ${name} | \`127.0.0.1:${p.identity.port}\` | \`${p.identity.toxid}\` | \`${p.identity.dhtpk}\` | \`${file}\` |`;
  const date = new Date().toISOString().slice(0, 10);
  const readme = `# Golden capture: two c-toxcore 0.2.18 peers on loopback

Made on ${date} by \`npx tsx test/interop/make-golden-capture.ts\` (see that file), with Debian
bookworm's libtoxcore 0.2.18 driven by \`harness/interop/native/cpeer-*.c\` under the loopback shim
(\`harness/interop/native/loopback-shim.c\`). Regenerating it gives new keys and a different capture:
the files here belong together.

## Files

| file | what |
|---|---|
| \`${PREFIX}-loopback.pcap\` | ${datagrams.length} UDP datagrams, ${pcap.length} bytes; classic pcap, microsecond stamps, LINKTYPE_IPV4 (228) |
| \`${PREFIX}-loopback.events.jsonl\` | both peers' cpeer events; \`at\` = seconds since the first captured datagram (as read by the script, so a few ms late) |
| \`${PREFIX}-alice.tox\`, \`${PREFIX}-bob.tox\` | the peers' savedata as written when each quit (long-term keys, nospam, friend list, names) |

## How the capture was made

- Both peers: local discovery off, IPv4 only, UDP, no TCP relay, no proxy, bootstrap to each other on
  127.0.0.1 only; the shim rebinds 0.0.0.0 to 127.0.0.1 (it dropped ${drops.length} non-loopback datagrams).
- Each peer's shim logged every datagram it sent and received (\`TOXSTATE_SHIM_LOG\`). The pcap holds the
  **send** lines of both logs merged by timestamp, so each datagram appears once, stamped when it was sent.
  ${datagrams.length - unreceived} of the ${datagrams.length} sent datagrams appear in a receive log too; the other ${unreceived}
  were never read by a peer (for example those sent to Bob's port after he quit).
- IPv4 and UDP headers are synthesised by \`harness/interop/pcap-writer.ts\` (valid checksums, TTL 64, DF).

## Identities

| peer | UDP address | Tox ID | DHT public key (this run only) | savedata |
|---|---|---|---|---|
${who(alice, 'Alice (accept-all)', `${PREFIX}-alice.tox`)}
${who(bob, 'Bob', `${PREFIX}-bob.tox`)}

The savedata holds each peer's long-term secret key, which opens the real-key layers: the
handshake (cookie-wrapped session keys), onion data inner layers (friend request, DHT-PK) and the
DHT-PK inner box. It does **not** hold the DHT secret keys (c-toxcore makes a new DHT key pair at every
start and never saves it) nor the net_crypto session secret keys, so DHT packets, onion layers keyed to
DHT keys, cookies and crypto data packets cannot be opened from these files alone.

## Steps (seconds since the first captured datagram)

| at | step |
|---|---|
${steps.map((s) => `| ${rel(s.atMs)} | ${s.what} |`).join('\n')}

## Datagrams by first byte

| id | packet | count |
|---|---|---|
${countRows.join('\n')}
`;
  await writeFile(path.join(outDir, 'README.md'), readme);
  await rm(work, { recursive: true, force: true });
  console.log(`wrote ${datagrams.length} datagrams (${pcap.length} bytes) to ${outDir}`);
}

main().catch(async (e: unknown) => {
  console.error(e);
  await closeAllPeers();
  process.exitCode = 1;
});
