/**
 * Attack review, the inspector web server (issue 13 item 6), performed against the real thing:
 * `toxstate demo --inspect 0` (what `npm start` runs: the simulated demo network, whose page can
 * Run, Pause and change loss and latency) and `toxstate node --inspect PORT` (a live node), each a
 * child process serving on 127.0.0.1, attacked with real HTTP requests (node:http), real
 * WebSocket clients (the `ws` package) and hand-made WebSocket frames on raw TCP sockets.
 *
 * The attacker plays a web page elsewhere (an `Origin: http://evil.example` header, no token,
 * or a DNS-rebound `Host`), and a local program that does hold the token but misbehaves: a 100
 * MiB message, a frame header over the `ws` package's default limit, 60 stream clients that never
 * read, more clients than the server serves. Memory is
 * the server process's own resident set (/proc/PID/status VmRSS), sampled during the attack.
 * The server and the clients are in inspector-rig.ts; this file holds the scenarios.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../../../protocol/bytes.js';
import type { Crypto } from '../../../protocol/crypto.js';
import { generateKeyPair } from '../../../runtime/keys.js';
import { seededRandom } from '../../../runtime/random.js';
import { DEFAULT_MAX_CLIENTS } from '../../../inspector/server.js';
import type { ReviewOutcome } from './outcome.js';
import { bearer, freePort, http, MiB, peakRss, pushFrame, rawUpgrade, rssMb, serve, serveDemo, settledRssMb, simStatus, sleep, wsListen } from './inspector-rig.js';

const EVIL_ORIGIN = 'http://evil.example';

// ---- scenarios ----------------------------------------------------------------------------------

/**
 * A web page elsewhere opens the live node's /stately stream (all friends, full replay), as a
 * browser would: with its own Origin. It does not know the token; a second try even has it.
 * Control: a local program with the token (no Origin) gets the stream, friends' keys included.
 */
export async function crossOriginStreamFromLiveNode(crypto: Crypto): Promise<ReviewOutcome> {
  const r = seededRandom(613);
  const friends = [0, 1, 2].map(() => toHex(generateKeyPair(crypto, r).publicKey));
  const port = await freePort();
  const node = await serve(['node', '--bind', '127.0.0.1', '--port', '0', '--json', '--no-open', '--inspect', String(port), ...friends.flatMap((f) => ['--friend', f])], 'stderr');
  try {
    const path = '/stately?friends=all&replay=10000';
    const leaks = (text: string): number => friends.filter((f) => text.includes(f)).length;
    const page = await wsListen(`ws://127.0.0.1:${node.port}${path}`, { origin: EVIL_ORIGIN }, 1_500);
    const pageWithToken = await wsListen(`ws://127.0.0.1:${node.port}${path}&token=${node.token}`, { origin: EVIL_ORIGIN }, 1_500);
    const owner = await wsListen(`ws://127.0.0.1:${node.port}${path}&token=${node.token}`, {}, 1_500);
    const pageLeaked = leaks(page.text) + leaks(pageWithToken.text);
    const held = page.status === 403 && pageWithToken.status === 403 && page.events + pageWithToken.events === 0 && owner.opened && leaks(owner.text) === friends.length;
    return {
      item: 6,
      attack: 'a web page elsewhere opens the live node’s /stately stream (every friend, full replay) from its own origin',
      before: "streamed the friends' keys, DHT keys and addresses to any origin",
      result: `refused ${page.status} without the token and ${pageWithToken.status} even with it (cross-origin); ${page.events + pageWithToken.events} events and ${pageLeaked} friend keys reached the page; the token holder got ${owner.events} events naming ${leaks(owner.text)}/${friends.length} friends`,
      held,
      figures: {
        pageStatus: page.status,
        pageWithTokenStatus: pageWithToken.status,
        pageEvents: page.events + pageWithToken.events,
        pageFriendKeys: pageLeaked,
        ownerEvents: owner.events,
        ownerFriendKeys: leaks(owner.text),
      },
    };
  } finally {
    await node.stop();
  }
}

/** Streams and the API without the token, or with a wrong one of the same shape. */
export async function streamsNeedTheToken(): Promise<ReviewOutcome> {
  const demo = await serveDemo();
  try {
    const wrong = randomBytes(32).toString('base64url');
    const statuses: Record<string, number> = {};
    for (const path of ['/ws', '/stately']) {
      for (const [label, q] of [['none', ''], ['wrong', `?token=${wrong}`], ['right', `?token=${demo.token}`]] as const) {
        const u = await rawUpgrade(demo.port, `${path}${q}`);
        u.socket.destroy();
        statuses[`${path.slice(1)}.${label}`] = u.status;
      }
    }
    statuses['api.none'] = (await http(demo.port, 'GET', '/api/info')).status;
    statuses['api.wrong'] = (await http(demo.port, 'GET', '/api/info', bearer(wrong))).status;
    statuses['api.right'] = (await http(demo.port, 'GET', '/api/info', bearer(demo.token))).status;
    const held =
      /#token=[A-Za-z0-9_-]{43}$/.test(demo.printed) &&
      ['ws', 'stately', 'api'].every((k) => statuses[`${k}.none`] === 401 && statuses[`${k}.wrong`] === 401) &&
      statuses['ws.right'] === 101 &&
      statuses['stately.right'] === 101 &&
      statuses['api.right'] === 200;
    return {
      item: 6,
      attack: 'open /ws and /stately and call the API without the per-run token, or with a wrong one',
      before: 'no token: anyone who could reach the port was served',
      result: `without the token: /ws ${statuses['ws.none']}, /stately ${statuses['stately.none']}, API ${statuses['api.none']}; a wrong token: ${statuses['ws.wrong']}, ${statuses['stately.wrong']}, ${statuses['api.wrong']}; the printed URL's token: ${statuses['ws.right']}, ${statuses['stately.right']}, ${statuses['api.right']}`,
      held,
      figures: { ...statuses, printedUrlHasToken: /#token=/.test(demo.printed) },
    };
  } finally {
    await demo.stop();
  }
}

/**
 * A web page elsewhere posts `text/plain` (a CORS "simple" request: no preflight) to the demo's
 * commands: 100 % loss, 5 s latency, 64× speed, pause. The settings are read back with the token.
 */
export async function crossOriginCommands(): Promise<ReviewOutcome> {
  const demo = await serveDemo();
  try {
    const before = await simStatus(demo);
    const page = { origin: EVIL_ORIGIN, 'content-type': 'text/plain;charset=UTF-8' };
    const statuses: Record<string, number> = {};
    statuses['page.conditions'] = (await http(demo.port, 'POST', '/api/sim/conditions', page, '{"loss":1,"latencyMs":5000,"jitterMs":5000}')).status;
    statuses['page.speed'] = (await http(demo.port, 'POST', '/api/sim/speed', page, '{"speed":64}')).status;
    statuses['page.pause'] = (await http(demo.port, 'POST', '/api/sim/pause', page, '{}')).status;
    // Each check on its own: the page's own origin with the token but text/plain; JSON without the token.
    statuses['textPlainWithToken'] = (await http(demo.port, 'POST', '/api/sim/conditions', { ...bearer(demo.token), 'content-type': 'text/plain' }, '{"loss":1}')).status;
    statuses['jsonWithoutToken'] = (await http(demo.port, 'POST', '/api/sim/conditions', { 'content-type': 'application/json' }, '{"loss":1}')).status;
    statuses['oversizeBody'] = (await http(demo.port, 'POST', '/api/sim/conditions', { ...bearer(demo.token), 'content-type': 'application/json' }, `{"loss":1,"pad":"${'x'.repeat(64 * 1024)}"}`)).status;
    const after = await simStatus(demo);
    const unchanged = JSON.stringify(after.conditions) === JSON.stringify(before.conditions) && after.speed === before.speed && after.running === before.running;
    const held =
      unchanged &&
      statuses['page.conditions'] === 403 &&
      statuses['page.speed'] === 403 &&
      statuses['page.pause'] === 403 &&
      statuses['textPlainWithToken'] === 415 &&
      statuses['jsonWithoutToken'] === 401 &&
      (statuses['oversizeBody'] === 413 || statuses['oversizeBody'] === 0);
    return {
      item: 6,
      attack: 'a web page elsewhere POSTs text/plain to the demo’s commands (loss 100 %, latency 5 s, speed 64×, pause)',
      before: "changed the demo's loss, latency and speed",
      result: `refused ${statuses['page.conditions']}/${statuses['page.speed']}/${statuses['page.pause']} (cross-origin); text/plain even with the token ${statuses['textPlainWithToken']}, JSON without the token ${statuses['jsonWithoutToken']}, a 64 KiB body ${statuses['oversizeBody']}; loss ${after.conditions['loss']}, latency ${after.conditions['latencyMs']} ms, speed ${after.speed}, running ${after.running}: ${unchanged ? 'unchanged' : 'CHANGED'}`,
      held,
      figures: { ...statuses, settingsUnchanged: unchanged, lossAfter: after.conditions['loss']!, latencyMsAfter: after.conditions['latencyMs']!, speedAfter: after.speed },
    };
  } finally {
    await demo.stop();
  }
}

/** DNS rebinding: the attacker's name resolves to 127.0.0.1, so its requests carry its Host. */
export async function reboundHost(): Promise<ReviewOutcome> {
  const demo = await serveDemo();
  try {
    const foreign = { host: `evil.example:${demo.port}` };
    const page = (await http(demo.port, 'GET', '/', foreign)).status;
    const api = (await http(demo.port, 'GET', '/api/info', { ...foreign, ...bearer(demo.token) })).status;
    const up = await rawUpgrade(demo.port, `/stately?token=${demo.token}`, foreign);
    up.socket.destroy();
    const own = (await http(demo.port, 'GET', '/api/info', { host: `localhost:${demo.port}`, ...bearer(demo.token) })).status;
    const held = page === 403 && api === 403 && up.status === 403 && own === 200;
    return {
      item: 6,
      attack: 'DNS rebinding: requests that reach 127.0.0.1 under the attacker’s name (Host: evil.example)',
      before: 'HTTP refused a foreign Host; an upgrade was dropped without an answer',
      result: `page ${page}, API ${api}, /stately upgrade ${up.status} (all with the token); Host localhost:PORT ${own}`,
      held,
      figures: { pageStatus: page, apiStatus: api, upgradeStatus: up.status, localhostStatus: own },
    };
  } finally {
    await demo.stop();
  }
}

/** Four token-holding clients each push a 100 MiB WebSocket message at /ws. */
export async function oversizedMessages(): Promise<ReviewOutcome> {
  const demo = await serveDemo();
  try {
    await http(demo.port, 'POST', '/api/sim/pause', { ...bearer(demo.token), 'content-type': 'application/json' }, '{}');
    const rssBeforeMb = await settledRssMb(demo.child);
    const size = 100 * MiB;
    const { result, peakMb } = await peakRss(demo.child, async () => {
      const ups = await Promise.all([0, 1, 2, 3].map(() => rawUpgrade(demo.port, `/ws?token=${demo.token}`)));
      const pushes = await Promise.all(ups.map((u) => (u.status === 101 ? pushFrame(u.socket, size) : Promise.resolve({ written: 0, closedEarly: true }))));
      for (const u of ups) u.socket.destroy();
      return { statuses: ups.map((u) => u.status), pushes };
    });
    await sleep(500);
    const rssAfterMb = rssMb(demo.child);
    const alive = (await http(demo.port, 'GET', '/api/info', bearer(demo.token))).status;
    const maxWrittenMb = Math.round((Math.max(...result.pushes.map((p) => p.written)) / MiB) * 10) / 10;
    const closedEarly = result.pushes.filter((p) => p.closedEarly && p.written < size).length;
    const growthMb = Math.round((peakMb - rssBeforeMb) * 10) / 10;
    const held = result.statuses.every((s) => s === 101) && closedEarly === 4 && maxWrittenMb < 16 && growthMb < 64 && alive === 200;
    return {
      item: 6,
      attack: 'four clients with the token each send one 100 MiB WebSocket message to /ws',
      before: 'accepted (ws default 100 MiB): RSS 225 → 784 MB',
      result: `each connection closed after at most ${maxWrittenMb} MiB had left the client (${closedEarly}/4 cut short); server RSS ${rssBeforeMb} → peak ${peakMb} MB (+${growthMb}), ${rssAfterMb} MB after; still answering (${alive})`,
      held,
      figures: { connectionsCut: closedEarly, maxWrittenMb, rssBeforeMb, rssPeakMb: peakMb, rssGrowthMb: growthMb, rssAfterMb, serverStatusAfter: alive },
    };
  } finally {
    await demo.stop();
  }
}

/**
 * One 14-byte frame header that announces 100 MiB + 1 byte, one more than the `ws` package's
 * default limit: the package reports the error on the connection, and with no listener for it
 * the whole process (the demo, or a `toxstate node --inspect`) went down.
 */
export async function frameHeaderOverLimit(): Promise<ReviewOutcome> {
  const demo = await serveDemo();
  try {
    const up = await rawUpgrade(demo.port, `/ws?token=${demo.token}`);
    const header = Buffer.alloc(14);
    header[0] = 0x82;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(100 * MiB + 1), 2);
    const closed = new Promise<boolean>((resolve) => {
      up.socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 3_000);
    });
    up.socket.resume();
    up.socket.write(header);
    const connectionClosed = await closed;
    up.socket.destroy();
    await sleep(300);
    const processAlive = demo.child.exitCode === null && demo.child.signalCode === null;
    const status = processAlive ? (await http(demo.port, 'GET', '/api/info', bearer(demo.token))).status : 0;
    const held = up.status === 101 && connectionClosed && processAlive && status === 200;
    return {
      item: 6,
      attack: 'a client with the token sends one WebSocket frame header announcing 100 MiB + 1 byte',
      before: 'the ws error had no listener: the process exited (RangeError: Max payload size exceeded)',
      result: `${connectionClosed ? 'that connection was closed' : 'the connection stayed open'}; the server process ${processAlive ? `kept running and answered ${status}` : 'EXITED'}`,
      held,
      figures: { connectionClosed, processAlive, serverStatusAfter: status },
    };
  } finally {
    await demo.stop();
  }
}

/**
 * 60 token-holding clients open /stately for Bob (1,001 friends: every actor, full replay, about
 * 25 MB of events each) and never read a byte. The server process's RSS is sampled throughout;
 * after the stall limit (10 s) the clients start reading again, to see whether they were dropped.
 */
export async function clientsThatNeverRead(): Promise<ReviewOutcome> {
  const demo = await serveDemo(['--extra-friends', '1000']);
  try {
    await http(demo.port, 'POST', '/api/sim/pause', { ...bearer(demo.token), 'content-type': 'application/json' }, '{}');
    const rssBeforeMb = await settledRssMb(demo.child);
    const path = `/stately?node=Bob&friends=all&replay=10000&token=${demo.token}`;
    const { result: ups, peakMb } = await peakRss(demo.child, async () => {
      const list = await Promise.all(Array.from({ length: 60 }, () => rawUpgrade(demo.port, path)));
      await sleep(3_000);
      return list;
    });
    const accepted = ups.filter((u) => u.status === 101);
    const refused = ups.filter((u) => u.status === 503).length;
    // Past the stall limit: a dropped client sees its connection end once it reads.
    await sleep(9_500);
    const rssStalledMb = rssMb(demo.child);
    const ended = await Promise.all(
      accepted.map(
        (u) =>
          new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), 4_000);
            u.socket.once('close', () => (clearTimeout(timer), resolve(true)));
            u.socket.on('data', () => undefined);
            u.socket.resume();
          }),
      ),
    );
    for (const u of ups) u.socket.destroy();
    const dropped = ended.filter(Boolean).length;
    const growthMb = Math.round((peakMb - rssBeforeMb) * 10) / 10;
    const held = growthMb < 96 && accepted.length <= DEFAULT_MAX_CLIENTS && refused === 60 - accepted.length && dropped === accepted.length;
    return {
      item: 6,
      attack: '60 clients with the token open /stately (1,001 friends, full replay) and never read',
      before: 'RSS 171 → 381 MB, kept until they disconnect',
      result: `${accepted.length} served, ${refused} refused (503); server RSS ${rssBeforeMb} → peak ${peakMb} MB (+${growthMb}), ${rssStalledMb} MB at the stall limit; ${dropped}/${accepted.length} served clients dropped for not reading`,
      held,
      figures: { served: accepted.length, refused503: refused, droppedForNotReading: dropped, rssBeforeMb, rssPeakMb: peakMb, rssGrowthMb: growthMb, rssAtStallLimitMb: rssStalledMb },
    };
  } finally {
    await demo.stop();
  }
}

/** More stream clients than the server serves (8): 24 reading /ws clients, then one more after 4 leave. */
export async function tooManyClients(): Promise<ReviewOutcome> {
  const demo = await serveDemo();
  try {
    const ups = await Promise.all(Array.from({ length: 24 }, () => rawUpgrade(demo.port, `/ws?token=${demo.token}`)));
    for (const u of ups) {
      u.socket.on('data', () => undefined);
      u.socket.resume();
    }
    const served = ups.filter((u) => u.status === 101);
    const refused = ups.filter((u) => u.status === 503).length;
    for (const u of served.slice(0, 4)) u.socket.destroy();
    await sleep(300);
    const later = await rawUpgrade(demo.port, `/ws?token=${demo.token}`);
    for (const u of [...ups, later]) u.socket.destroy();
    const held = served.length === DEFAULT_MAX_CLIENTS && refused === 24 - DEFAULT_MAX_CLIENTS && later.status === 101;
    return {
      item: 6,
      attack: '24 clients with the token open /ws at once',
      before: 'every connection accepted, without limit',
      result: `${served.length} served, ${refused} refused with 503; once 4 left, a new client was served (${later.status})`,
      held,
      figures: { served: served.length, refused503: refused, servedAfterOthersLeft: later.status === 101 },
    };
  } finally {
    await demo.stop();
  }
}

/** Every scenario of this topic, in order. */
export async function runInspectorReview(crypto: Crypto): Promise<ReviewOutcome[]> {
  return [
    await crossOriginStreamFromLiveNode(crypto),
    await streamsNeedTheToken(),
    await crossOriginCommands(),
    await reboundHost(),
    await oversizedMessages(),
    await frameHeaderOverLimit(),
    await clientsThatNeverRead(),
    await tooManyClients(),
  ];
}
