/**
 * Issue 13 items 1, 2 and 5 (and a crash of the same class found while fixing them), performed
 * against a real `toxstate node --json` process over UDP on 127.0.0.1. The attacker is an
 * in-process toxstate engine on a UDP socket (TPeer) that the node bootstraps to: it runs the
 * announce node the node announces at, so it learns the node's onion data key and can deliver
 * onion data (friend requests) straight to it, and as a friend it can send any message bytes.
 *
 *   - item 1: a friend request whose sender key has bit 255 set (X25519 ignores the bit, so both
 *     boxes open) to an `--accept-friends` node, which exited 1;
 *   - same class: a nodes response naming a node at port 0 (Node's `send` throws on port 0)
 *     and one with an invalid key, to a node that bootstraps to the attacker;
 *   - item 2: a friend sends 600 bytes of 0xFF to an `--echo` node (decoded into 1,800 bytes,
 *     the echo was refused and thrown), and a friend sends 1,100 messages and never acknowledges
 *     the echoes (the send queue filled, `queue_full` was thrown);
 *   - item 5: 2,000 friend requests from distinct keys and one real requester to an
 *     `--accept-friends` node (the review's node accepted all 2,000).
 *
 * Each scenario checks that the process stays alive and still does its job, and reads its
 * counters from the `stopped` line it prints when told to stop (SIGTERM).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { equalBytes, fromHex, toHex, type Bytes } from '../../../protocol/bytes.js';
import type { Crypto } from '../../../protocol/crypto.js';
import { decodeDhtHeader, openNodesRequest, sealNodesResponse } from '../../../protocol/dht/index.js';
import type { IpPort } from '../../../protocol/ip-port.js';
import { decodeOnionDataRequest, encodeFriendRequestPayload, onionDataResponseFromRequest, sealOnionDataRequest } from '../../../protocol/onion/index.js';
import { parseToxId } from '../../../protocol/tox-id.js';
import { generateKeyPair, type KeyPair } from '../../../runtime/keys.js';
import { MessengerError } from '../../../runtime/messenger/messenger.js';
import { seededRandom, type Random } from '../../../runtime/random.js';
import { startNodeProcess, type NodeEvent, type NodeProcess } from '../../node-process.js';
import { TPeer } from '../../interop/tpeer.js';
import type { ReviewOutcome } from './outcome.js';

const WAIT_MS = 20_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function loopback(port: number): IpPort {
  return { family: 'ipv4', ip: '127.0.0.1', port };
}

function hex(text: string): Bytes {
  const b = fromHex(text);
  if (!b.ok) throw new Error(b.error);
  return b.value;
}

/** A `toxstate node --json` under attack, bootstrapped to the attacker. */
interface Victim {
  readonly proc: NodeProcess;
  readonly pk: string;
  readonly toxId: string;
  readonly nospam: Bytes;
  readonly address: IpPort;
}

async function startVictim(args: readonly string[], attacker: TPeer, children: ChildProcess[]): Promise<Victim> {
  const proc = startNodeProcess([...args, '--bootstrap', `127.0.0.1:${attacker.port}:${attacker.dhtpkHex}`], children);
  const self = await proc.waitFor((e) => e.ev === 'self', WAIT_MS, 'self line');
  const toxId = String(self['toxid']);
  const id = parseToxId(toxId);
  if (!id.ok) throw new Error(id.error);
  return { proc, pk: String(self['pk']), toxId, nospam: id.value.nospam, address: loopback(Number(self['port'])) };
}

function alive(v: Victim): boolean {
  return v.proc.child.exitCode === null && v.proc.child.signalCode === null;
}

/** Resident memory of the victim process in MB (Linux /proc), or -1 where unknown. */
function rssMb(v: Victim): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${v.proc.child.pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : -1;
  } catch {
    return -1;
  }
}

/** Stops the victim (SIGTERM) and returns its exit code and the counters of its `stopped` line. */
async function stopVictim(v: Victim): Promise<{ exitCode: number | null; counters: Record<string, number>; friends: number }> {
  const exitCode = alive(v) ? await v.proc.stop() : await v.proc.exited();
  const stopped = v.proc.events.find((e) => e.ev === 'stopped');
  return {
    exitCode,
    counters: (stopped?.['counters'] as Record<string, number> | undefined) ?? {},
    friends: typeof stopped?.['friends'] === 'number' ? stopped['friends'] : -1,
  };
}

const count = (v: Victim, pred: (e: NodeEvent) => boolean): number => v.proc.events.filter(pred).length;

/** The victim's announce entry at the attacker's announce node: its onion data key. */
async function victimDataKey(attacker: TPeer, v: Victim): Promise<Bytes> {
  await attacker.until(() => attacker.engine.announceServer.entry(v.pk) !== undefined, 'the node to announce at the attacker', WAIT_MS);
  return attacker.engine.announceServer.entry(v.pk)!.dataPk;
}

/**
 * A friend request as onion data 0x86, the way an announce node delivers it, from `sender` (its
 * public key as given: the boxes are sealed with its secret key, which X25519 pairs with the
 * key whether or not bit 255 is set).
 */
function craftFriendRequest(crypto: Crypto, r: Random, v: Victim, dataPk: Bytes, sender: KeyPair, message: string): Bytes {
  const temp = generateKeyPair(crypto, r);
  const req = sealOnionDataRequest(crypto, {
    destRealPk: hex(v.pk),
    nonce: r.bytes(24),
    tempPk: temp.publicKey,
    outerSharedKey: crypto.precompute(dataPk, temp.secretKey),
    senderRealPk: sender.publicKey,
    innerSharedKey: crypto.precompute(hex(v.pk), sender.secretKey),
    data: encodeFriendRequestPayload({ nospam: v.nospam, message: new TextEncoder().encode(message) }),
  });
  const h = decodeOnionDataRequest(req, { withReturn: false });
  if (!h.ok) throw new Error(h.error);
  return onionDataResponseFromRequest(h.value);
}

/** Sends raw datagrams from the attacker's socket. */
function sendRaw(attacker: TPeer, to: IpPort, packets: readonly Bytes[]): void {
  attacker.run((e) => {
    for (const p of packets) e.send(to, p);
  });
}

async function scenario<T>(fn: (children: ChildProcess[], peers: TPeer[]) => Promise<T>): Promise<T> {
  const children: ChildProcess[] = [];
  const peers: TPeer[] = [];
  try {
    return await fn(children, peers);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(peers.map((p) => p.close()));
  }
}

/** Item 1: a friend request whose sender key has bit 255 set, to `--accept-friends`. */
export async function invalidKeyFriendRequest(crypto: Crypto): Promise<ReviewOutcome> {
  return scenario(async (children, peers) => {
    const attacker = await TPeer.start({ label: 'attacker' });
    peers.push(attacker);
    const v = await startVictim(['--accept-friends'], attacker, children);
    const dataPk = await victimDataKey(attacker, v);
    const r = seededRandom(13_001);
    const bad = generateKeyPair(crypto, r);
    const badPk = bad.publicKey.slice();
    badPk[31]! |= 0x80;
    sendRaw(attacker, v.address, [craftFriendRequest(crypto, r, v, dataPk, { publicKey: badPk, secretKey: bad.secretKey }, 'bit 255')]);
    await sleep(1_000);
    const aliveAfterAttack = alive(v);
    // Still does its job: a request from a valid key is surfaced and accepted.
    const good = generateKeyPair(crypto, r);
    const goodHex = toHex(good.publicKey);
    sendRaw(attacker, v.address, [craftFriendRequest(crypto, r, v, dataPk, good, 'a valid key')]);
    const accepted = await v.proc
      .waitFor((e) => e.ev === 'friend_added' && e['friend'] === goodHex, 10_000, 'the valid request accepted')
      .then(() => true)
      .catch(() => false);
    const badSurfaced = count(v, (e) => e.ev === 'friend_request' && e['pk'] === toHex(badPk));
    const errors = count(v, (e) => e.ev === 'error');
    const stop = await stopVictim(v);
    const dropped = stop.counters['drop.onion.data_invalid_public_key'] ?? 0;
    const held = aliveAfterAttack && accepted && badSurfaced === 0 && errors === 0 && dropped === 1 && stop.exitCode === 0 && stop.friends === 1;
    return {
      item: 1,
      attack: 'a friend request whose sender key has bit 255 set (both boxes open: X25519 ignores the bit), to a real `toxstate node --accept-friends` over UDP',
      before: 'acceptFriendRequest threw in the socket handler; the process exited 1',
      result: `dropped where it entered (drop.onion.data_invalid_public_key = ${dropped}), never surfaced; the node stayed up, accepted a valid request afterwards and exited ${stop.exitCode} on SIGTERM with ${stop.friends} friend`,
      held,
      figures: { aliveAfterAttack, invalidKeyDrops: dropped, badRequestSurfaced: badSurfaced, validRequestAccepted: accepted, errorEvents: errors, friends: stop.friends, exitCode: stop.exitCode ?? 'signal' },
    };
  });
}

/**
 * Same class: the attacker, the node's bootstrap node, answers its nodes requests naming a node
 * at 127.0.0.1 port 0 (Node's `send` throws on port 0, synchronously, inside the socket
 * handler) and a node whose key has bit 255 set.
 */
export async function portZeroNode(crypto: Crypto): Promise<ReviewOutcome> {
  return scenario(async (children, peers) => {
    const attacker = await TPeer.start({ label: 'attacker' });
    peers.push(attacker);
    const r = seededRandom(13_002);
    const e = attacker.engine;
    let answered = 0;
    const zeroPortKey = generateKeyPair(crypto, r).publicKey;
    const invalidKey = generateKeyPair(crypto, r).publicKey.slice();
    invalidKey[31]! |= 0x80;
    const handle = e.handleDatagram.bind(e);
    e.handleDatagram = (now, from, data) => {
      if (data[0] === 0x02) {
        const h = decodeDhtHeader(data);
        if (h.ok) {
          const shared = crypto.precompute(h.value.senderPk, e.keys.dht.secretKey);
          const req = openNodesRequest(crypto, shared, h.value);
          if (req.ok) {
            answered++;
            e.send(
              from,
              sealNodesResponse(crypto, shared, e.keys.dht.publicKey, r.bytes(24), {
                pingId: req.value.pingId,
                nodes: [
                  { transport: 'udp', ipPort: loopback(0), publicKey: zeroPortKey },
                  { transport: 'udp', ipPort: loopback(attacker.port), publicKey: invalidKey },
                ],
              }),
            );
            return;
          }
        }
      }
      handle(now, from, data);
    };
    const v = await startVictim([], attacker, children);
    // A node that died after the first answer never asks again: the wait ends with it.
    await attacker.until(() => answered >= 3 || !alive(v), 'three nodes requests answered', WAIT_MS);
    await sleep(1_000);
    const stillUp = alive(v);
    const stop = await stopVictim(v);
    // Two defences: the DHT drops a node named at port 0 (c-toxcore ipport_isset) before asking
    // it, and the adapter refuses any send to port 0 that gets past a layer (unit-tested in
    // test/runtime/node-udp-guard.test.ts).
    const dropped = stop.counters['drop.dht.node_port_zero'] ?? 0;
    const refused = stop.counters['tx.refused_bad_port'] ?? 0;
    const invalid = stop.counters['drop.dht.node_invalid_public_key'] ?? 0;
    const held = stillUp && stop.exitCode === 0 && dropped + refused >= 1 && invalid >= 1 && (stop.counters['error.input'] ?? 0) === 0;
    return {
      item: 1,
      attack: 'the node’s bootstrap node answers its nodes requests naming a node at 127.0.0.1 port 0 and a node whose key has bit 255 set (same class, found while fixing item 1)',
      before: 'not in the review: the nodes request to port 0 made Node’s send throw inside the socket handler, and the process exited 1',
      result: `the node stayed up: ${dropped} nodes at port 0 dropped (drop.dht.node_port_zero), ${refused} sends to port 0 refused (tx.refused_bad_port), ${invalid} nodes with an invalid key dropped (drop.dht.node_invalid_public_key) after ${answered} crafted answers; exit ${stop.exitCode} on SIGTERM`,
      held,
      figures: { craftedAnswers: answered, alive: stillUp, portZeroNodesDropped: dropped, portZeroSendsRefused: refused, invalidKeyNodesDropped: invalid, exitCode: stop.exitCode ?? 'signal' },
    };
  });
}

/**
 * Sends a message from the attacker through the messenger layer (the same call before and after
 * the fix, so the scenario also runs against the code of before): sent, or refused as queue full.
 */
function attackerSend(attacker: TPeer, friendPk: string, text: string | Bytes): 'sent' | 'queue_full' {
  try {
    attacker.run((e) => e.messenger.sendMessage(friendPk, text));
    return 'sent';
  } catch (err) {
    if (err instanceof MessengerError && err.code === 'queue_full') return 'queue_full';
    throw err;
  }
}

/** Befriends the victim from `friend` (a friend request the victim accepts) and waits for the session. */
async function befriend(friend: TPeer, v: Victim): Promise<void> {
  friend.sendFriendRequest(v.toxId, 'let me in');
  await friend.waitForEvent('friend_online', (e) => e.friend === v.pk, WAIT_MS);
}

/** Item 2: a friend sends 600 bytes of 0xFF to an `--echo` node. */
export async function invalidUtf8Echo(_crypto: Crypto): Promise<ReviewOutcome> {
  return scenario(async (children, peers) => {
    const attacker = await TPeer.start({ label: 'attacker' });
    peers.push(attacker);
    const v = await startVictim(['--accept-friends', '--echo'], attacker, children);
    await befriend(attacker, v);
    const ff = new Uint8Array(600).fill(0xff);
    const mark = attacker.mark();
    const sent = attackerSend(attacker, v.pk, ff);
    const echo = await attacker
      .waitForEvent('message', (e) => e.friend === v.pk, 10_000, mark)
      .then((e) => e)
      .catch(() => null);
    const echoedExactly = echo !== null && equalBytes(echo.bytes, ff);
    const shown = await v.proc.waitFor((e) => e.ev === 'message', 5_000, 'the message line').catch(() => undefined);
    const shownBytes = typeof shown?.['text'] === 'string' ? new TextEncoder().encode(shown['text']).length : -1;
    // And it still echoes.
    const mark2 = attacker.mark();
    attacker.sendMessage(v.pk, 'still there?');
    const still = await attacker
      .waitForEvent('message', (e) => e.friend === v.pk && e.text === 'still there?', 10_000, mark2)
      .then(() => true)
      .catch(() => false);
    const refusals = count(v, (e) => e.ev === 'send_refused' || e.ev === 'error');
    const stop = await stopVictim(v);
    const held = sent === 'sent' && echoedExactly && shownBytes >= 0 && shownBytes <= 600 && still && refusals === 0 && stop.exitCode === 0;
    return {
      item: 2,
      attack: 'a friend sends 600 bytes of 0xFF (invalid UTF-8) to a real `toxstate node --echo`',
      before: 'decoded into 1,800 bytes (U+FFFD per byte), over the 1,372-byte limit: the echo threw too_long and the process exited 1',
      result: `the node echoed the 600 bytes exactly (${echoedExactly ? 'byte for byte' : 'NOT exact'}); its text is ${shownBytes} bytes of UTF-8 ('?' for each bad byte: never longer than what arrived); it echoed the next message too; exit ${stop.exitCode}`,
      held,
      figures: { echoedExactly, decodedTextBytes: shownBytes, stillEchoes: still, refusalsOrErrors: refusals, exitCode: stop.exitCode ?? 'signal' },
    };
  });
}

/** Item 2: a friend sends 1,100 messages of 1,000 bytes and never acknowledges the echoes. */
export async function unacknowledgedEchoes(_crypto: Crypto): Promise<ReviewOutcome> {
  return scenario(async (children, peers) => {
    const attacker = await TPeer.start({ label: 'attacker' });
    peers.push(attacker);
    const v = await startVictim(['--accept-friends', '--echo'], attacker, children);
    await befriend(attacker, v);
    // Never acknowledge: drop the node's big datagrams (its echoes and their resends), so our
    // buffer_start never passes its first echo. Small ones (its acknowledgements of our
    // messages, ALIVE) still arrive, so our own sends go on.
    const e = attacker.engine;
    const handle = e.handleDatagram.bind(e);
    let withheld = 0;
    e.handleDatagram = (now, from, data) => {
      if (from.port === v.address.port && data.length > 900) {
        withheld++;
        return;
      }
      handle(now, from, data);
    };
    const total = 1_100;
    const deadline = performance.now() + WAIT_MS;
    for (let sent = 0; sent < total && performance.now() < deadline; ) {
      const text = `m${sent} `.padEnd(1_000, 'x');
      if (attackerSend(attacker, v.pk, text) === 'sent') sent++;
      else await sleep(10);
      if (sent % 100 === 0) await sleep(0);
    }
    await v.proc.waitFor(() => count(v, (x) => x.ev === 'message') >= total, WAIT_MS, `${total} messages received`).catch(() => undefined);
    await sleep(500);
    const received = count(v, (x) => x.ev === 'message');
    const refusedFull = count(v, (x) => x.ev === 'send_refused' && x['error'] === 'queue_full');
    const stillUp = alive(v);
    const rss = rssMb(v);
    const stop = await stopVictim(v);
    const counted = stop.counters['messenger.send_refused.queue_full'] ?? 0;
    const held = stillUp && received === total && refusedFull > 0 && counted === refusedFull && stop.exitCode === 0 && (stop.counters['error.listener'] ?? 0) === 0;
    return {
      item: 2,
      attack: 'a friend sends 1,100 messages of 1,000 bytes to a real `toxstate node --echo` and never acknowledges the echoes',
      before: 'the 1,024-packet send buffer filled and sendMessage threw queue_full in the socket handler: the process exited 1',
      result: `all ${received} messages arrived; ${received - refusedFull} echoes were queued and ${refusedFull} refused as back-pressure (send_refused queue_full lines, messenger.send_refused.queue_full = ${counted}); the node stayed up (RSS ${rss} MB) and exited ${stop.exitCode}`,
      held,
      figures: { received, echoesRefusedQueueFull: refusedFull, refusalsCounted: counted, datagramsWithheld: withheld, alive: stillUp, rssMb: rss, exitCode: stop.exitCode ?? 'signal' },
    };
  });
}

/** Item 5: 2,000 friend requests from distinct keys, and one real requester, to `--accept-friends`. */
export async function friendRequestFlood(crypto: Crypto): Promise<ReviewOutcome> {
  return scenario(async (children, peers) => {
    const attacker = await TPeer.start({ label: 'attacker' });
    peers.push(attacker);
    const v = await startVictim(['--accept-friends'], attacker, children);
    const dataPk = await victimDataKey(attacker, v);
    const r = seededRandom(13_005);
    const flood = 2_000;
    const packets: Bytes[] = [];
    for (let i = 0; i < flood; i++) packets.push(craftFriendRequest(crypto, r, v, dataPk, generateKeyPair(crypto, r), `spam ${i}`));
    const real = await TPeer.start({ label: 'real requester', bootstrap: [attacker.asBootstrap] });
    peers.push(real);
    const t0 = performance.now();
    // The real requester asks while the flood is under way (its copies go through the attacker's
    // announce node, as any requester's would), and asks again every 5, 10, 20 … s.
    real.sendFriendRequest(v.toxId, 'a real friend');
    for (let i = 0; i < flood; i += 100) {
      sendRaw(attacker, v.address, packets.slice(i, i + 100));
      await sleep(25);
    }
    const floodMs = Math.round(performance.now() - t0);
    const accepted = await v.proc
      .waitFor((e) => e.ev === 'friend_added' && e['friend'] === real.pkHex, 25_000, 'the real requester accepted')
      .then(() => Math.round(performance.now() - t0))
      .catch(() => -1);
    const online = accepted >= 0 && (await real.waitForEvent('friend_online', (e) => e.friend === v.pk, 15_000).then(() => true, () => false));
    const elapsedS = (performance.now() - t0) / 1000;
    const surfaced = count(v, (e) => e.ev === 'friend_request');
    const acceptedCount = count(v, (e) => e.ev === 'friend_added');
    const evicted = count(v, (e) => e.ev === 'auto_accept' && e['outcome'] === 'evicted');
    const stillUp = alive(v);
    const rss = rssMb(v);
    const stop = await stopVictim(v);
    // The rate's bound over the scenario: the burst plus 10 a minute.
    const bound = 5 + Math.ceil((10 * elapsedS) / 60);
    const held = stillUp && accepted >= 0 && online && stop.friends === acceptedCount && acceptedCount <= bound && stop.friends <= 100 && stop.exitCode === 0;
    return {
      item: 5,
      attack: '2,000 friend requests from distinct keys (onion data straight to the node) plus one real requester, to a real `toxstate node --accept-friends` (defaults: at most 100 friends, 10 a minute after a burst of 5)',
      before: 'all 2,000 accepted: 2,000 saved friends, RSS 97 → 232 MB, profile 4.4 MB, 16× the outgoing traffic',
      result: `${surfaced} requests surfaced in ${floodMs} ms; ${acceptedCount} accepted (bound ${bound} for ${elapsedS.toFixed(1)} s), ${evicted} evicted from the 64-entry pending set; the real requester was accepted ${(accepted / 1000).toFixed(1)} s after it first asked and came online; ${stop.friends} friends at the end, RSS ${rss} MB, exit ${stop.exitCode}`,
      held,
      figures: { floodRequests: flood, surfaced, accepted: acceptedCount, acceptBound: bound, evicted, realAcceptedAfterMs: accepted, realOnline: online, friendsAtEnd: stop.friends, rssMb: rss, alive: stillUp, exitCode: stop.exitCode ?? 'signal' },
    };
  });
}

export async function runCrashesReview(crypto: Crypto): Promise<ReviewOutcome[]> {
  const out: ReviewOutcome[] = [];
  for (const s of [invalidKeyFriendRequest, portZeroNode, invalidUtf8Echo, unacknowledgedEchoes, friendRequestFlood]) out.push(await s(crypto));
  return out;
}
