/**
 * Between a c-toxcore profile (savedata) and an engine: what an engine starts from, and the
 * profile an engine's current state saves to (good DHT nodes, connected TCP relays and onion path
 * nodes replace the saved ones when there are any). Everything the engine does not model (conferences, unknown sections, the trailer) is carried over untouched.
 * Each friend's connection policy travels with its record (toxstate's own section; a friend with
 * the default policy adds nothing to the file).
 */
import type { Bytes } from '../protocol/bytes.js';
import type { Crypto } from '../protocol/crypto.js';
import { FRIEND_STATUS_ADDED, FRIEND_STATUS_CONFIRMED, FRIEND_STATUS_REQUESTED, type SavedFriend } from '../protocol/profile/friend-record.js';
import { dhtNodesSection, emptyProfile, NUM_SAVED_PATH_NODES, NUM_SAVED_TCP_RELAYS, pathNodesSection, tcpRelaysSection, type Profile } from '../protocol/profile/savedata.js';
import type { Engine } from './engine.js';
import type { FriendInit, FriendStatus } from './friends.js';
import { generateKeyPair, type KeyPair } from './keys.js';
import type { Random } from './random.js';

const text = new TextDecoder();
const bytes = (s: string): Bytes => new TextEncoder().encode(s);

export interface ProfileStart {
  readonly identity: KeyPair;
  readonly nospam: Bytes;
  readonly name: string;
  readonly statusMessage: string;
  readonly friends: FriendInit[];
}

const statusOf = (n: number): FriendStatus => (n >= FRIEND_STATUS_CONFIRMED ? 'confirmed' : n === FRIEND_STATUS_REQUESTED ? 'requested' : 'added');
const statusNumber = (s: FriendStatus): number =>
  s === 'confirmed' ? FRIEND_STATUS_CONFIRMED : s === 'requested' ? FRIEND_STATUS_REQUESTED : FRIEND_STATUS_ADDED;

/** What an engine starts from, read from a profile. */
export function profileStart(p: Profile): ProfileStart {
  return {
    identity: { publicKey: p.keys.publicKey, secretKey: p.keys.secretKey },
    nospam: p.keys.nospam,
    name: text.decode(p.name),
    statusMessage: text.decode(p.statusMessage),
    friends: p.friends
      .filter((f) => f.status > 0)
      .map((f) => ({
        pk: f.publicKey,
        status: statusOf(f.status),
        requestMessage: text.decode(f.requestMessage),
        requestNospam: f.requestNospam,
        name: text.decode(f.name),
        statusMessage: text.decode(f.statusMessage),
        userStatus: f.userStatus,
        lastSeen: f.lastSeen,
        policy: f.policy ?? 'TryingToConnect',
      })),
  };
}

/** A new profile with a fresh identity. */
export function newProfile(crypto: Crypto, random: Random): Profile {
  const keys = generateKeyPair(crypto, random);
  return emptyProfile({ nospam: random.bytes(4), publicKey: keys.publicKey, secretKey: keys.secretKey });
}

/** The profile that saves the engine's current state on top of `base` (kept sections stay). */
export function profileOf(engine: Engine, base: Profile): Profile {
  const friends: SavedFriend[] = [...engine.friends.all()].map((f) => ({
    status: statusNumber(f.status),
    publicKey: f.pk,
    requestMessage: f.status === 'confirmed' ? new Uint8Array(0) : bytes(f.requestMessage).slice(0, 1024),
    name: bytes(f.name).slice(0, 128),
    statusMessage: bytes(f.statusMessage).slice(0, 1007),
    userStatus: f.userStatus,
    requestNospam: f.status === 'confirmed' ? new Uint8Array(4) : f.requestNospam,
    lastSeen: f.lastSeen,
    // Only a non-default policy is saved (its own section, protocol/profile/friend-policies.ts).
    ...(f.policy !== 'TryingToConnect' ? { policy: f.policy } : {}),
  }));
  // Our connected relays (c-toxcore saves its relays the same way, Messenger.c tcp_relays_save).
  const relays = engine.tcp.client.connectedRelays(NUM_SAVED_TCP_RELAYS);
  // Onion path nodes besides the DHT's (proven relays, bootstrap nodes), as c-toxcore saves path_nodes.
  const pathNodes = engine.onion.pathNodes(NUM_SAVED_PATH_NODES);
  const goodNodes = engine.dht.goodNodes().slice(0, 64).map((n) => ({ transport: 'udp' as const, ipPort: n.ipPort, publicKey: n.pk }));
  return {
    ...base,
    keys: { ...base.keys, nospam: engine.nospam },
    friends,
    name: bytes(engine.name).slice(0, 128),
    statusMessage: bytes(engine.statusMessage).slice(0, 1007),
    userStatus: engine.userStatus,
    dht: goodNodes.length > 0 ? dhtNodesSection(goodNodes) : base.dht,
    tcpRelays: relays.length > 0 ? tcpRelaysSection(relays) : base.tcpRelays,
    pathNodes: pathNodes.length > 0 ? pathNodesSection(pathNodes) : base.pathNodes,
  };
}
