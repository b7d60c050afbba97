/**
 * toxstate — the embedding API.
 *
 *   import { createEngine, UdpNode, SimNetwork, machines, step } from 'toxstate';
 *
 * - The verified state core: the pure statecharts (`machines`, `machineSpecs`, `step`, `start`,
 *   `ToxProgress`, every machine's `nextDeadline`), usable with your own I/O and clock.
 * - The sans-IO engine (`ToxEngine`, `createEngine`): inputs carry `now`; outputs are datagrams,
 *   application events and the next deadline. `engine.toxId()` is the Tox ID to share;
 *   `bootstrap` takes `"IP:PORT:DHTKEY"` or an address and a key (bytes or hex). A friend's
 *   progress is a `FriendSessionState` (`ToxProgress` and then `Established`); every event's
 *   `t` is in milliseconds on the clock the engine is fed (runtime/app-events.ts).
 * - Adapters: `UdpNode` (Node UDP, the only socket code) and `SimNetwork` (in-memory network
 *   with a virtual clock).
 * - Profiles (c-toxcore savedata, plain or encrypted), Tox IDs, the inspector.
 * - The conformance monitor (`datagramsOfCapture`, `checkCapture`): any implementation's capture
 *   checked against the statecharts, as `toxstate check` does.
 */
import { loadCrypto, type Crypto } from './runtime/adapters/node-crypto.js';
import { Engine, type EngineOptions } from './runtime/engine.js';
import type { ToxEngine } from './runtime/tox-engine.js';
export type { ToxEngine, FriendsView, ActorsView, StreamOp } from './runtime/tox-engine.js';
import type { FriendInit } from './runtime/friends.js';
import { generateKeyPair, type KeyPair } from './runtime/keys.js';
import { secureRandom, seededRandom, type Random } from './runtime/random.js';
import { NOSPAM_SIZE_BYTES } from './protocol/tox-id.js';
import { profileStart } from './runtime/profile-bridge.js';
import type { Profile } from './protocol/profile/savedata.js';

export * from './machines/index.js';
export { Engine, actorKeys } from './runtime/engine.js';
/** The longest friend-request message a c-toxcore 0.2.18 peer receives over the onion (943 bytes). */
export { MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES as FRIEND_REQUEST_MESSAGE_MAX_BYTES } from './protocol/messenger/constants.js';
export type { EngineOptions, EngineDeadline, Transmit } from './runtime/engine.js';
export type { AppEvent, AutoAcceptOutcome } from './runtime/app-events.js';
export type { Friend, FriendInit, FriendStatus } from './runtime/friends.js';
export { MessengerError, type MessageKind, type SendMessageResult } from './runtime/messenger/messenger.js';
export type { AutoAcceptOptions } from './runtime/messenger/auto-accept.js';
export { decodeUtf8WithinLength } from './runtime/messenger/text.js';
export { Journal, type JournalEntry, type JournalListener } from './runtime/journal.js';
export { UdpNode, type UdpNodeOptions, type UdpNodeListener } from './runtime/adapters/node-udp.js';
export { SimNetwork, type SimNode, type SimOptions, type LinkConditions, type SimListener } from './runtime/adapters/sim-network.js';
export type { NatType } from './runtime/adapters/sim-nat.js';
export { createDemoNetwork, type DemoNetwork, type DemoOptions } from './runtime/scenarios/demo-network.js';
export { secureRandom, seededRandom, type Random } from './runtime/random.js';
export { generateKeyPair, type KeyPair } from './runtime/keys.js';
export { loadCrypto } from './runtime/adapters/node-crypto.js';
export type { Crypto } from './protocol/crypto.js';
export { toHex, fromHex, type Bytes } from './protocol/bytes.js';
export type { Result } from './protocol/result.js';
export { formatIpPort, parseIpPort, type IpPort } from './protocol/ip-port.js';
export { formatToxId, parseToxId, type ToxId } from './protocol/tox-id.js';
export { loadProfile, saveProfile, ProfileError, type LoadOptions, type SaveOptions } from './runtime/adapters/profile-store.js';
export { profileStart, profileOf, newProfile } from './runtime/profile-bridge.js';
export { parseSavedata, serializeSavedata, profileToxId, type Profile } from './protocol/profile/savedata.js';
export { startInspector, liveTarget, simulationTarget, recordingTarget, type InspectTarget } from './inspector/index.js';
export type { InspectorOptions, RunningInspector } from './inspector/server.js';
export { checkCapture, DEFAULT_TOLERANCE_MS, type CheckOptions, type CheckReport, type DirectionReport, type PairReport } from './conformance/monitor/check.js';
export { datagramsOfCapture, type CaptureDatagrams } from './conformance/monitor/capture-datagrams.js';
export { jsonLines as checkReportJsonLines, textReport as checkReportText } from './conformance/monitor/format.js';
export type { CapturedDatagram } from './conformance/monitor/identify.js';
export type { Finding, MonitorStep } from './conformance/monitor/session-monitor.js';
export type { DissectProfile as KeyProfile } from './protocol/dissect/index.js';

export interface CreateEngineOptions extends Partial<Omit<EngineOptions, 'crypto' | 'random' | 'identity' | 'nospam'>> {
  /**
   * A profile (c-toxcore savedata, `loadProfile` / `parseSavedata`) to start from: its identity,
   * nospam, name, status message and friends, unless given separately. With a profile the
   * engine reports `profile_changed` whenever something the profile saves changes (save
   * `profileOf(engine, profile)` then); without one it never does (`profileEvents` overrides).
   */
  readonly profile?: Profile;
  /** Long-term key pair; the profile's, or a fresh one when omitted. */
  readonly identity?: KeyPair;
  /** 4 nospam bytes; the profile's, or random when omitted. */
  readonly nospam?: Uint8Array;
  /** Seed for deterministic randomness (tests, simulations); the OS's randomness when omitted. */
  readonly seed?: number;
  readonly random?: Random;
  readonly crypto?: Crypto;
  readonly friends?: readonly FriendInit[];
}

/**
 * An engine with sensible defaults: libsodium loaded, OS randomness (or `seed`), the profile's
 * identity or a fresh one, the wall clock as the epoch for DHT-PK replay counters.
 *
 * Its inputs take `now` in milliseconds on a monotonic clock of yours (a `UdpNode` feeds its
 * own: milliseconds since `UdpNode.start`); every event's `t` is on that same clock.
 */
export async function createEngine(opts: CreateEngineOptions = {}): Promise<ToxEngine> {
  const crypto = opts.crypto ?? (await loadCrypto());
  const random = opts.random ?? (opts.seed !== undefined ? seededRandom(opts.seed) : secureRandom());
  const { profile, ...rest } = opts;
  const saved = profile ? profileStart(profile) : null;
  const identity = opts.identity ?? saved?.identity ?? generateKeyPair(crypto, random);
  const nospam = opts.nospam ?? saved?.nospam ?? random.bytes(NOSPAM_SIZE_BYTES);
  const fromProfile = saved ? { name: saved.name, statusMessage: saved.statusMessage, friends: saved.friends } : {};
  return new Engine({ epochMs: Date.now(), profileEvents: profile !== undefined, ...fromProfile, ...rest, crypto, random, identity, nospam });
}
