/**
 * The body of `toxstate node`: profile → engine → UDP adapter, events → stdout, changes →
 * profile (saved atomically, debounced), signals → clean shutdown.
 *
 * Nothing a peer sends ends the process: a refused message (`--send`, `--echo`: queue full,
 * friend offline, …) is a `send_refused` line, an exception in our event handling is an `error`
 * line (the UdpNode adapter contains it and counts it), and `--accept-friends` accepts within
 * the bounds of `--accept-max` and `--accept-rate` (runtime/messenger/auto-accept.ts), each
 * decision an `auto_accept` line.
 */
import { existsSync } from 'node:fs';
import { FRIEND_POLICIES, type FriendPolicy } from '../machines/index.js';
import { fromHex, toHex } from '../protocol/bytes.js';
import { loadCrypto } from '../runtime/adapters/node-crypto.js';
import { formatIpPort, parseIp, type IpPort, isLoopback } from '../protocol/ip-port.js';
import { isValidPublicKey } from '../protocol/keys.js';
import { MAX_MESSAGE_LENGTH_BYTES, MAX_NAME_LENGTH_BYTES } from '../protocol/messenger/index.js';
import { parseToxId } from '../protocol/tox-id.js';
import { profileToxId, type Profile } from '../protocol/profile/savedata.js';
import type { PackedNode } from '../protocol/packed-node.js';
import type { AppEvent } from '../runtime/app-events.js';
import { Engine } from '../runtime/engine.js';
import { UdpNode } from '../runtime/adapters/node-udp.js';
import { loadProfile, ProfileError, saveProfile } from '../runtime/adapters/profile-store.js';
import { newProfile, profileOf, profileStart } from '../runtime/profile-bridge.js';
import { secureRandom } from '../runtime/random.js';
import type { NodeConsole, Talk } from './node-console.js';
import { readableEvent, stoppedLine } from './node-lines.js';
import { printable } from './printable.js';
import { PUBLIC_BOOTSTRAP_NODES, type BootstrapNode } from './public-nodes.js';
import { CliError, cliError, explainError } from './errors.js';

export interface NodeOptions {
  readonly profilePath: string | undefined;
  readonly passphrase: (() => Promise<string>) | undefined;
  readonly friends: readonly string[];
  readonly addFriends: readonly string[];
  /** --policy PK=POLICY arguments (checked by runNode). */
  readonly policies: readonly string[];
  readonly acceptFriends: boolean;
  /** --accept-max: accept automatically only while there are fewer friends than this. */
  readonly acceptMax: number | undefined;
  /** --accept-rate: requests accepted automatically per minute. */
  readonly acceptRate: number | undefined;
  readonly name: string | undefined;
  /** --bind; undefined: 127.0.0.1 (UdpNode's default), 0.0.0.0 when the public network is allowed. */
  readonly bind: string | undefined;
  readonly port: number | undefined;
  readonly bootstrap: readonly string[];
  readonly network: 'local' | 'public';
  /** --tcp-port: serve as a TCP relay on this port (0: any free port). */
  readonly tcpPort?: number | undefined;
  /** Where the TCP server listens: --bind when given, else 127.0.0.1. */
  readonly tcpBind?: string;
  /** --tcp-relay IP:PORT:PK arguments (checked by runNode). */
  readonly tcpRelays?: readonly string[];
  /** False with --udp-off: no UDP socket, TCP relays only. */
  readonly udp?: boolean;
  /** --lan-discovery: answer received LAN discovery (EngineOptions.lanDiscovery). */
  readonly lanDiscovery?: boolean;
  readonly send: string | undefined;
  readonly echo: boolean;
  readonly runSeconds: number | undefined;
  readonly json: boolean;
  readonly inspectPort: number | undefined;
  readonly openBrowser: boolean;
  /** Read commands from stdin (cli/node-console.ts): --interactive, or stdin is a terminal. */
  readonly interactive?: boolean;
}


/** Parses `IP:PORT:DHTPK` (IPv6 as `[addr]:port:pk`) with an error naming what is wrong (and the option). */
/** The TCP relays saved in a profile that this run may use: loopback ones, or all with the public network. */
export function savedTcpRelays(profile: Profile, publicNetwork: boolean): PackedNode[] {
  return (profile.tcpRelays?.nodes ?? []).filter((n) => n.transport === 'tcp' && (publicNetwork || isLoopback(n.ipPort)));
}

/** The onion path nodes saved in a profile that this run may use (same rule as savedTcpRelays). */
export function savedPathNodes(profile: Profile, publicNetwork: boolean): PackedNode[] {
  return (profile.pathNodes?.nodes ?? []).filter((n) => n.transport === 'udp' && (publicNetwork || isLoopback(n.ipPort)));
}

export function parseBootstrap(text: string, option = '--bootstrap'): BootstrapNode {
  const m = /^\[([^\]]+)\]:(\d+):([0-9a-fA-F]+)$/.exec(text) ?? /^([^:\[\]]+):(\d+):([0-9a-fA-F]+)$/.exec(text);
  if (!m) throw new CliError(`${option} ${JSON.stringify(text)}: expected IP:PORT:DHTPK (IPv6 as [addr]:PORT:DHTPK)`);
  const ip = parseIp(m[1]!);
  if (!ip.ok) throw new CliError(`${option} ${JSON.stringify(text)}: ${ip.error}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new CliError(`${option} ${JSON.stringify(text)}: port ${port} is out of range`);
  const pk = fromHex(m[3]!);
  if (!pk.ok || pk.value.length !== 32) throw new CliError(`${option} ${JSON.stringify(text)}: the DHT key must be 64 hex characters`);
  if (!isValidPublicKey(pk.value)) throw new CliError(`${option} ${JSON.stringify(text)}: not a valid DHT key (last byte ≥ 0x80)`);
  return { ipPort: { ...ip.value, port }, pk: pk.value };
}

/** Parses a --tcp-relay `IP:PORT:PK`; off loopback only with --network public (nothing leaves the machine unasked). */
export function parseTcpRelay(text: string, network: 'local' | 'public'): BootstrapNode {
  const relay = parseBootstrap(text, '--tcp-relay');
  if (network !== 'public' && !isLoopback(relay.ipPort)) {
    throw new CliError(`--tcp-relay ${JSON.stringify(text)}: ${relay.ipPort.ip} is not a loopback address; a relay elsewhere needs --network public`);
  }
  return relay;
}

/** The address others reach our TCP relay at, as IP:PORT:DHTPK (a wildcard bind shown as loopback). */
function relayLine(at: IpPort, dhtPkHex: string): string {
  const ip = at.ip === '0.0.0.0' ? '127.0.0.1' : at.ip === '::' ? '::1' : at.ip;
  return `${at.family === 'ipv6' ? `[${ip}]` : ip}:${at.port}:${dhtPkHex}`;
}

function parsePk(text: string, option: string): Uint8Array {
  const pk = fromHex(text);
  if (!pk.ok || pk.value.length !== 32) throw new CliError(`${option} ${JSON.stringify(text)}: a public key is 64 hex characters`);
  if (!isValidPublicKey(pk.value)) throw new CliError(`${option} ${JSON.stringify(text)}: not a valid public key (last byte ≥ 0x80)`);
  return pk.value;
}

/** The long-term key (hex) of a Tox ID parseFriendRequestArg accepted. */
function keyOfToxId(toxId: string): string {
  const id = parseToxId(toxId);
  return id.ok ? toHex(id.value.publicKey) : '';
}

/** Parses `PK=POLICY` (--policy), naming what is wrong. */
export function parsePolicyArg(text: string): { pkHex: string; policy: FriendPolicy } {
  const eq = text.indexOf('=');
  if (eq < 0) throw new CliError(`--policy ${JSON.stringify(text)}: expected PK=POLICY, POLICY one of ${FRIEND_POLICIES.join(', ')}`);
  const pk = parsePk(text.slice(0, eq), '--policy');
  const policy = text.slice(eq + 1);
  if (!(FRIEND_POLICIES as readonly string[]).includes(policy)) {
    throw new CliError(`--policy ${JSON.stringify(text)}: the policy must be one of ${FRIEND_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
  }
  return { pkHex: toHex(pk), policy: policy as FriendPolicy };
}

/** Parses `TOXID[:MESSAGE]`, naming a bad length, hex or checksum. */
export function parseFriendRequestArg(text: string): { toxId: string; message: string } {
  const colon = text.indexOf(':');
  const toxId = colon < 0 ? text : text.slice(0, colon);
  const message = colon < 0 ? "Hi! I'd like to add you as a friend (toxstate)." : text.slice(colon + 1);
  const parsed = parseToxId(toxId);
  if (!parsed.ok) throw new CliError(`--add-friend: ${parsed.error}`);
  return { toxId, message };
}

export async function runNode(o: NodeOptions): Promise<number> {
  const crypto = await loadCrypto();
  const random = secureRandom();
  // Validate every argument before touching the profile or the network.
  const bootstrap = o.bootstrap.map((b) => parseBootstrap(b));
  const tcpRelays = (o.tcpRelays ?? []).map((r) => parseTcpRelay(r, o.network));
  const friendPks = o.friends.map((f) => parsePk(f, '--friend'));
  const requests = o.addFriends.map(parseFriendRequestArg);
  const policies = o.policies.map(parsePolicyArg);
  for (const [i, p] of policies.entries()) {
    if (policies.findIndex((q) => q.pkHex === p.pkHex) !== i) throw new CliError(`--policy: friend ${p.pkHex} is given more than once`);
  }
  if (o.name !== undefined && new TextEncoder().encode(o.name).length > MAX_NAME_LENGTH_BYTES) {
    throw new CliError(`--name: ${new TextEncoder().encode(o.name).length} bytes, at most ${MAX_NAME_LENGTH_BYTES}`);
  }
  if (o.send !== undefined) {
    const n = new TextEncoder().encode(o.send).length;
    if (n === 0 || n > MAX_MESSAGE_LENGTH_BYTES) throw new CliError(`--send: ${n} bytes; a message is 1 to ${MAX_MESSAGE_LENGTH_BYTES} bytes`);
  }

  let profile: Profile;
  let created = false;
  let secret: string | undefined;
  if (o.profilePath && existsSync(o.profilePath)) {
    try {
      profile = (await loadProfile(o.profilePath, { crypto })).profile;
    } catch (e) {
      if (e instanceof ProfileError && e.code === 'encrypted-needs-passphrase' && o.passphrase) {
        secret = await o.passphrase();
        try {
          profile = (await loadProfile(o.profilePath, { crypto, passphrase: secret })).profile;
        } catch (e2) {
          throw cliError(e2);
        }
      } else throw cliError(e);
    }
  } else {
    profile = newProfile(crypto, random);
    created = true;
  }
  // A --policy names a friend we have or add now (checked before a new profile is written).
  const friendHexes = new Set([...profile.friends.map((f) => toHex(f.publicKey)), ...friendPks.map(toHex), ...requests.map((r) => keyOfToxId(r.toxId))]);
  for (const p of policies) {
    if (!friendHexes.has(p.pkHex)) throw new CliError(`--policy: ${p.pkHex} is not a friend (add it with --friend or --add-friend)`);
  }
  // A dangling symbolic link is refused here (never a new identity behind the user's link).
  if (created && o.profilePath) await saveProfile(o.profilePath, profile, { crypto }).catch((e: unknown) => {
    throw cliError(e);
  });

  const start = profileStart(profile);
  const engine = new Engine({
    crypto,
    random,
    identity: start.identity,
    nospam: start.nospam,
    name: o.name ?? start.name,
    statusMessage: start.statusMessage,
    friends: start.friends,
    epochMs: Date.now(),
    tcpServer: o.tcpPort !== undefined,
    udp: o.udp ?? true,
    lanDiscovery: o.lanDiscovery ?? false,
  });

  const allowPublic = o.network === 'public' || bootstrap.some((b) => !isLoopback(b.ipPort));
  // Loopback like UdpNode unless the public network is allowed: then every interface (IPv4), as
  // c-toxcore binds by default (network.c new_networking_ex).
  const bind = o.bind ?? (allowPublic ? '0.0.0.0' : '127.0.0.1');
  let node: UdpNode;
  try {
    node = await UdpNode.start(engine, {
      bind,
      ...(o.port !== undefined ? { port: o.port } : {}),
      allowPublic,
      udp: o.udp ?? true,
      ...(o.tcpPort !== undefined ? { tcpPort: o.tcpPort, tcpBind: o.tcpBind ?? '127.0.0.1' } : {}),
    });
  } catch (e) {
    throw cliError(e);
  }
  // Stop requests are honoured from here on, before anything is printed: a SIGTERM right after
  // the `self` line still saves the profile.
  let requestStop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  const onSignal = (): void => requestStop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  /** A failure after the socket is open: the socket closed, signals left alone, one error line (exit 2). */
  const abort = async (e: unknown): Promise<never> => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await node.close({ sendKills: false });
    throw cliError(e);
  };
  const t0 = node.clock();
  const seconds = (t: number): number => Math.round((t - t0) / 10) / 100;

  const print = (obj: Record<string, unknown>, human: string): void => {
    process.stdout.write(o.json ? `${JSON.stringify(obj)}\n` : `${human}\n`);
  };
  const short = (hex: string): string => `${hex.slice(0, 8)}…`;
  let nodeConsole: NodeConsole | null = null;
  /** For the interactive console (cli/node-console.ts): who is online, who we talk with. */
  const talk: Talk = { online: new Set(), last: null };

  // Without UDP `port` is 0 (nothing to bootstrap to); a TCP relay is shown as IP:PORT:DHTPK.
  const relay = node.tcpAddress ? relayLine(node.tcpAddress, engine.keys.dhtPkHex) : null;
  print(
    {
      ev: 'self',
      toxid: profileToxId({ ...profile, keys: { ...profile.keys, nospam: engine.nospam } }),
      pk: engine.selfHex,
      dhtpk: engine.keys.dhtPkHex,
      port: node.address.port,
      udp: o.udp ?? true,
      crypto: crypto.backend, // the crypto backend loadCrypto() chose (TOXSTATE_CRYPTO)
      ...(relay !== null ? { tcp_relay: relay } : {}),
    },
    `toxstate node ${o.udp === false ? 'without UDP' : formatIpPort(node.address)}\n  Tox ID  ${profileToxId(profile)}\n  DHT key ${engine.keys.dhtPkHex}${o.udp === false ? '' : `\n  bootstrap ${relayLine(node.address, engine.keys.dhtPkHex)}  (another node's --bootstrap)`}${relay !== null ? `\n  TCP relay ${relay}` : ''}`,
  );

  // Policies loaded with the profile (changes are friend_policy events below).
  for (const f of engine.friends.all()) {
    if (f.policy !== 'TryingToConnect') print({ ev: 'friend_policy', friend: f.pkHex, policy: f.policy, t: 0 }, `[0.00s] ${short(f.pkHex)} policy ${f.policy}`);
  }

  // Profile saving: after any change, at most every 500 ms; always on exit.
  let dirty = false;
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    if (!o.profilePath || !dirty) return saving;
    dirty = false;
    const snapshot = profileOf(engine, profile);
    profile = snapshot;
    saving = saving.then(() => saveProfile(o.profilePath!, snapshot, { crypto, ...(secret !== undefined ? { passphrase: secret } : {}) })).catch((e: unknown) => {
      process.stderr.write(`toxstate: ${explainError(e)}\n`);
    });
    return saving;
  };
  let saveTimer: NodeJS.Timeout | null = null;
  const markDirty = (): void => {
    dirty = true;
    saveTimer ??= setTimeout(() => {
      saveTimer = null;
      void save();
    }, 500);
  };

  /** Sends a message; a refusal (back-pressure, friend gone) is reported, never thrown. */
  const send = (friend: string, text: string | Uint8Array, kind: 'normal' | 'action', why: 'send' | 'echo'): void => {
    const r = node.run((eng, now) => eng.sendMessage(now, friend, text, kind));
    if (r.ok) return;
    const t = seconds(engine.now);
    print({ ev: 'send_refused', friend, for: why, error: r.error, message: r.message, t }, `[${t.toFixed(2)}s] ${short(friend)}: ${why} not sent (${r.error}): ${r.message}`);
  };

  node.onEvent((e: AppEvent) => {
    const t = seconds(e.t);
    switch (e.type) {
      case 'progress':
        print({ ev: 'progress', friend: e.friend, state: e.state, t }, `[${t.toFixed(2)}s] ${short(e.friend)} ${e.state}`);
        return;
      case 'profile_changed':
        markDirty();
        return;
      case 'friend_path':
        print({ ev: 'friend_path', friend: e.friend, path: e.path, t }, `[${t.toFixed(2)}s] ${short(e.friend)} now ${e.path === 'tcp' ? 'through a TCP relay' : 'direct over UDP'}`);
        return;
      case 'relay_status':
        print({ ev: 'relay_status', relay: e.relay, address: e.address, online: e.online, t }, `[${t.toFixed(2)}s] TCP relay ${e.address} ${e.online ? 'connected' : 'disconnected'}`);
        // A connected relay is saved with the profile (its TCP_RELAY section).
        if (e.online) markDirty();
        return;
      case 'friend_request':
        print({ ev: 'friend_request', pk: e.pk, message: e.message, t }, `[${t.toFixed(2)}s] friend request from ${e.pk}: ${printable(e.message)}`);
        return;
      case 'friend_policy':
        print({ ev: 'friend_policy', friend: e.friend, policy: e.policy, t }, `[${t.toFixed(2)}s] ${short(e.friend)} policy ${e.policy}`);
        return;
      case 'auto_accept':
        print({ ev: 'auto_accept', pk: e.pk, outcome: e.outcome, t }, `[${t.toFixed(2)}s] friend request from ${short(e.pk)}: ${e.outcome}`);
        return;
      case 'friend_online':
        talk.online.add(e.friend);
        talk.last = e.friend;
        print({ ev: 'friend_online', friend: e.friend, path: e.path, t }, `[${t.toFixed(2)}s] ${short(e.friend)} online (${e.path === 'tcp' ? 'through a TCP relay' : 'UDP'})`);
        if (o.send !== undefined) send(e.friend, o.send, 'normal', 'send');
        return;
      case 'message':
        talk.last = e.friend;
        print({ ev: 'message', friend: e.friend, text: e.text, kind: e.kind, t }, `[${t.toFixed(2)}s] ${short(e.friend)}: ${e.kind === 'action' ? '* ' : ''}${printable(e.text)}`);
        // The bytes as received: an echo is exactly what arrived, never longer.
        if (o.echo) send(e.friend, e.bytes, e.kind, 'echo');
        return;
      case 'error':
        print({ ev: 'error', source: e.source, message: e.message, t }, `[${t.toFixed(2)}s] error (${e.source}): ${e.message}`);
        return;
      default: {
        if (e.type === 'friend_offline') talk.online.delete(e.friend);
        const { type, t: _t, ...rest } = e as AppEvent & Record<string, unknown>;
        print({ ev: type, ...rest, t }, `[${t.toFixed(2)}s] ${readableEvent(e) ?? `${type}${readableFields(rest)}`}`);
      }
    }
  });

  try {
    node.run((eng, now) => {
      if (o.acceptFriends) eng.setAutoAccept(now, { ...(o.acceptMax !== undefined ? { maxFriends: o.acceptMax } : {}), ...(o.acceptRate !== undefined ? { perMinute: o.acceptRate } : {}) });
      if (o.name !== undefined) eng.setName(now, o.name);
      for (const pk of friendPks) eng.addFriend(now, pk);
      for (const r of requests) eng.sendFriendRequest(now, r.toxId, r.message);
      for (const p of policies) eng.setFriendPolicy(now, p.pkHex, p.policy);
      for (const b of bootstrap) eng.bootstrap(now, b.ipPort, b.pk);
      for (const r of tcpRelays) {
        if (!eng.addTcpRelay(now, r.ipPort, r.pk)) throw new Error(`--tcp-relay ${formatIpPort(r.ipPort)}: refused (our own key, or too many relays)`);
      }
      // The profile's saved relays (c-toxcore's TCP_RELAY section): used like --tcp-relay, but only
      // on loopback unless the public network was asked for (a qTox profile lists public relays).
      for (const r of savedTcpRelays(profile, o.network === 'public')) eng.addTcpRelay(now, r.ipPort, r.publicKey);
      // Its saved onion path nodes (PATH_NODE), under the same rule: paths through a relay can start at once.
      for (const n of savedPathNodes(profile, o.network === 'public')) eng.addPathNode(now, n.ipPort, n.publicKey);
      if (o.network === 'public') for (const b of PUBLIC_BOOTSTRAP_NODES) eng.bootstrap(now, b.ipPort, b.pk);
    });
  } catch (e) {
    // A request to our own Tox ID, a message too long for c-toxcore, …: a one-line error, and
    // the socket closed (an open socket would keep the process running).
    return abort(e);
  }

  let stopInspector: (() => Promise<void>) | null = null;
  if (o.inspectPort !== undefined) {
    // A port in use: the same as a bad argument (the node does not run on without it).
    try {
      const { startLiveInspector } = await import('./inspect-live.js');
      stopInspector = await startLiveInspector(node, { port: o.inspectPort, open: o.openBrowser });
    } catch (e) {
      return abort(e);
    }
  }
  if (o.interactive === true) {
    const { startConsole } = await import('./node-console.js');
    nodeConsole = startConsole({ node, input: process.stdin, print, seconds: () => seconds(node.clock()), stop: requestStop, stopAtEnd: process.stdin.isTTY === true, talk });
  }

  if (o.runSeconds !== undefined) setTimeout(requestStop, o.runSeconds * 1000).unref();
  await stopped;
  nodeConsole?.close();
  if (saveTimer) clearTimeout(saveTimer);
  dirty = dirty || o.profilePath !== undefined;
  await save();
  await stopInspector?.();
  await node.close();
  // The last line: what the node did, for scripts and tests (drops, refusals, contained errors).
  print({ ev: 'stopped', friends: engine.friends.size, counters: engine.counters.toJSON() }, stoppedLine(engine.friends.size));
  return 0;
}

/** An event's fields for the readable output: `key=value`, strings as they are, never raw JSON. */
function readableFields(fields: Record<string, unknown>): string {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? printable(v) : v instanceof Uint8Array ? toHex(v) : String(v)}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}
