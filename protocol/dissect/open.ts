/**
 * The keyed half of the dissector: which layers a profile's long-term ("real") key pair can open
 * in a capture, and what they hold (docs/protocol.md §1.1, §3.4, §4.2). Savedata keeps only the
 * real key pair, never the DHT, session, cookie or temp keys, so exactly two things open:
 *
 * | packet                      | key tried                                                       |
 * |-----------------------------|-----------------------------------------------------------------|
 * | handshake 0x1a              | shared(profile real sk, each friend real pk of that profile)    |
 * | announce request 0x83       | shared(profile real sk, announce node DHT pk), when the request's sender pk is the profile's real pk (self-announce) |
 * | announce response 0x84      | the same key: the node is found by the request's sendback, else every learnt DHT pk is tried |
 *
 * The announce node's DHT pk is learnt from the capture: every DHT packet carries its sender's
 * DHT pk in the clear, tying it to the datagram's source address (context.ts); the 0x83 travels to
 * the announce node, so its destination address names the key. Pure: the caller passes keys and
 * what was learnt; only a shared-key memo lives in the context object.
 */
import { equalBytes, isAllZero, type Bytes } from '../bytes.js';
import { NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHA512_SIZE_BYTES, type Crypto } from '../crypto.js';
import { formatIpPort, ipPortKey, type IpPort } from '../ip-port.js';
import { decodeHandshakeHeader } from '../net-crypto/handshake.js';
import { decodeAnnounceRequestHeader, openAnnounceRequest } from '../onion/announce-request.js';
import { decodeAnnounceResponseHeader, openAnnounceResponse } from '../onion/announce-response.js';
import type { CaptureKnowledge } from './context.js';
import { hexUpper, type JsonObject } from './json.js';

/** One profile's keys, as the dissector needs them. */
export interface DissectProfile {
  /** How the output names it (the CLI uses the file name). */
  readonly label: string;
  readonly publicKey: Bytes;
  readonly secretKey: Bytes;
  /** Real pks of the profile's friends, whatever their status. */
  readonly friendPks: readonly Bytes[];
}

/** Most learnt DHT pks tried on a packet whose announce node is not known by address or sendback. */
export const MAX_DHT_KEY_CANDIDATES = 64;

export interface OpenContext {
  readonly crypto: Crypto;
  readonly profiles: readonly DissectProfile[];
  readonly knowledge: CaptureKnowledge;
  /** sendback hex → (profile index, announce node DHT pk), from the announce requests that opened. */
  readonly sendbacks: Map<string, { readonly profile: number; readonly dhtPk: Bytes }>;
  /** Memo of shared(profile sk, pk), keyed `${profile}:${pk hex}`. */
  readonly sharedKeys: Map<string, Bytes>;
}

export function createOpenContext(crypto: Crypto, profiles: readonly DissectProfile[], knowledge: CaptureKnowledge): OpenContext {
  return { crypto, profiles, knowledge, sendbacks: new Map(), sharedKeys: new Map() };
}

function shared(ctx: OpenContext, profile: number, pk: Bytes): Bytes {
  const k = `${profile}:${hexUpper(pk)}`;
  let key = ctx.sharedKeys.get(k);
  if (!key) {
    key = ctx.crypto.precompute(pk, ctx.profiles[profile]!.secretKey);
    ctx.sharedKeys.set(k, key);
  }
  return key;
}

export type OpenOutcome =
  | { readonly tried: false }
  | { readonly tried: true; readonly decrypted: JsonObject; readonly baseNonce?: Bytes }
  | { readonly tried: true; readonly error: string };

const NOT_TRIED: OpenOutcome = { tried: false };

/** Tries every (profile, friend) pair on a 385-byte handshake. */
export function openHandshakeWithProfiles(ctx: OpenContext, bytes: Bytes): OpenOutcome {
  const h = decodeHandshakeHeader(bytes);
  if (!h.ok || ctx.profiles.every((p) => p.friendPks.length === 0)) return NOT_TRIED;
  for (let i = 0; i < ctx.profiles.length; i++) {
    const p = ctx.profiles[i]!;
    for (const friend of p.friendPks) {
      const plain = ctx.crypto.open(shared(ctx, i, friend), h.value.nonce, h.value.boxed);
      if (!plain || plain.length < NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + SHA512_SIZE_BYTES) continue;
      const hashAt = NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES;
      const baseNonce = plain.slice(0, NONCE_SIZE_BYTES);
      return {
        tried: true,
        baseNonce,
        decrypted: {
          profile: p.label,
          // shared(a sk, b pk) = shared(b sk, a pk): the keys say who talks, not who sent.
          between: [hexUpper(p.publicKey), hexUpper(friend)],
          base_nonce: hexUpper(baseNonce),
          session_pk: hexUpper(plain.subarray(NONCE_SIZE_BYTES, hashAt)),
          cookie_hash_ok: equalBytes(plain.subarray(hashAt, hashAt + SHA512_SIZE_BYTES), ctx.crypto.sha512(h.value.cookie)),
          other_cookie: hexUpper(plain.subarray(hashAt + SHA512_SIZE_BYTES)),
        },
      };
    }
  }
  return { tried: true, error: 'no (profile, friend) key pair opens it' };
}

/** DHT pks to try for the announce node: the destination's learnt keys, else every learnt key. */
function nodeCandidates(ctx: OpenContext, dst: IpPort | undefined): { keys: readonly Bytes[]; byAddress: boolean } {
  if (dst) {
    const at = ctx.knowledge.dhtPksByAddress.get(ipPortKey(dst));
    if (at && at.length > 0) return { keys: at, byAddress: true };
  }
  return { keys: ctx.knowledge.dhtPks.slice(0, MAX_DHT_KEY_CANDIDATES), byAddress: false };
}

/** A self-announce request (sender pk = a profile's real pk), opened with the announce node's DHT pk. */
export function openAnnounceRequestWithProfiles(ctx: OpenContext, bytes: Bytes, dst?: IpPort): OpenOutcome {
  const h = decodeAnnounceRequestHeader(bytes);
  if (!h.ok) return NOT_TRIED;
  const i = ctx.profiles.findIndex((p) => equalBytes(p.publicKey, h.value.senderPk));
  if (i < 0) return NOT_TRIED; // a friend search: its sender key is a per-friend temp key, never saved
  const { keys, byAddress } = nodeCandidates(ctx, dst);
  for (const dhtPk of keys) {
    const r = openAnnounceRequest(ctx.crypto, shared(ctx, i, dhtPk), h.value);
    if (!r.ok) continue;
    ctx.sendbacks.set(hexUpper(r.value.sendback), { profile: i, dhtPk });
    const own = equalBytes(r.value.searchedPk, ctx.profiles[i]!.publicKey);
    return {
      tried: true,
      decrypted: {
        profile: ctx.profiles[i]!.label,
        announce_node_pk: hexUpper(dhtPk),
        announce: own ? 'self' : 'other',
        ping_id: hexUpper(r.value.pingId),
        first_request: isAllZero(r.value.pingId),
        searched_pk: hexUpper(r.value.searchedPk),
        data_pk: hexUpper(r.value.dataPk),
        sendback: hexUpper(r.value.sendback),
      },
    };
  }
  const where = dst ? formatIpPort(dst) : 'its destination';
  return {
    tried: true,
    error: byAddress
      ? `none of the DHT keys learnt for ${where} opens it`
      : `no DHT key was learnt for ${where}, and none of the ${keys.length} learnt keys opens it`,
  };
}

/** An announce response, found by its sendback or by trying every learnt DHT pk with every profile. */
export function openAnnounceResponseWithProfiles(ctx: OpenContext, bytes: Bytes): OpenOutcome {
  const h = decodeAnnounceResponseHeader(bytes);
  if (!h.ok || ctx.profiles.length === 0) return NOT_TRIED;
  const known = ctx.sendbacks.get(hexUpper(h.value.sendback));
  const attempts: { profile: number; dhtPk: Bytes }[] = known ? [known] : [];
  for (let i = 0; i < ctx.profiles.length; i++) {
    for (const dhtPk of ctx.knowledge.dhtPks.slice(0, MAX_DHT_KEY_CANDIDATES)) attempts.push({ profile: i, dhtPk });
  }
  for (const a of attempts) {
    const r = openAnnounceResponse(ctx.crypto, shared(ctx, a.profile, a.dhtPk), h.value);
    if (!r.ok) continue;
    const stored = r.value.isStored;
    return {
      tried: true,
      decrypted: {
        profile: ctx.profiles[a.profile]!.label,
        announce_node_pk: hexUpper(a.dhtPk),
        is_stored: stored,
        // is_stored 1: the searched key is announced there and this is its data pk; else a ping id.
        [stored === 1 ? 'data_pk' : 'ping_id']: hexUpper(r.value.pingIdOrDataPk),
        nodes: r.value.nodes.map((n) => ({ transport: n.transport, address: formatIpPort(n.ipPort), pk: hexUpper(n.publicKey) })),
      },
    };
  }
  return { tried: true, error: known ? 'the key of the matching request does not open it' : 'no profile key opens it (a reply to a friend search, or to another node)' };
}
