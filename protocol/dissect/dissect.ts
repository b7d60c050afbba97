/**
 * The dissector: one JSON object per UDP datagram, naming its kind, its clear header fields and
 * whether it is valid for our decoders (describe.ts), plus what the given profiles' real keys
 * open (open.ts), for a whole capture at once — the capture is read twice: first to learn each
 * address's DHT key (context.ts), then to describe and open every datagram in order.
 *
 * Output object, in print order (fields absent when they do not apply):
 *
 * | field          | meaning                                                                  |
 * |----------------|--------------------------------------------------------------------------|
 * | kind           | packet-ids.ts name (`nodes_request`, `onion_request_0`, …) or `unknown`  |
 * | size           | UDP payload size in bytes (as the UDP header declares it)                |
 * | captured_size  | bytes actually captured, when the capture cut the datagram               |
 * | …              | clear header fields of that kind (describe.ts), all bytes as uppercase hex |
 * | payload        | for onion responses: the dissected response R they carry                 |
 * | first_byte     | for `unknown`: the first byte (null when empty)                          |
 * | valid          | true when size and structure pass our decoder                            |
 * | error          | the decoder's reason, when not valid                                     |
 * | decrypted      | what a profile's key opened (handshake, announce request/response)       |
 * | decrypt_error  | why a packet a profile key should open did not                           |
 * | derived        | crypto data: full nonce and its index, recovered from an opened handshake |
 *
 * Pure: nothing here reads files, clocks or randomness; crypto is passed in.
 */
import { equalBytes, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { ipPortKey, type IpPort } from '../ip-port.js';
import { DATA_NUM_THRESHOLD } from '../net-crypto/constants.js';
import { recoverNonce } from '../net-crypto/crypto-data.js';
import { addToNonce } from '../nonce.js';
import { PACKET_ID } from '../packet-ids.js';
import { learnCapture, type CaptureKnowledge } from './context.js';
import { describeDatagram } from './describe.js';
import { hexUpper, type JsonObject, type MutableJsonObject } from './json.js';
import {
  createOpenContext,
  openAnnounceRequestWithProfiles,
  openAnnounceResponseWithProfiles,
  openHandshakeWithProfiles,
  type DissectProfile,
  type OpenContext,
  type OpenOutcome,
} from './open.js';

export interface DissectInput {
  /** The UDP payload as captured. */
  readonly payload: Bytes;
  /** The UDP payload size when the capture kept fewer bytes (`payload.length < size`). */
  readonly size?: number;
  readonly src?: IpPort;
  readonly dst?: IpPort;
}

export interface DissectOptions {
  /** Needed only with profiles. */
  readonly crypto?: Crypto;
  readonly profiles?: readonly DissectProfile[];
}

/** Receive-side nonce state per direction, as c-toxcore keeps it (docs/protocol.md §4.3). */
interface NonceTrack {
  base: Bytes;
  recv: Bytes;
  /** How far `recv` is past `base`. */
  offset: number;
}

interface Run {
  readonly open: OpenContext | null;
  readonly tracks: Map<string, NonceTrack>;
}

/** Dissects one datagram with no keys and no capture context. Never throws. */
export function dissectDatagram(payload: Bytes): JsonObject {
  return dissectOne({ open: null, tracks: new Map() }, { payload }, true);
}

/** Dissects a capture's datagrams in order. Throws only when profiles are given without crypto. */
export function dissectDatagrams(inputs: readonly DissectInput[], options: DissectOptions = {}): JsonObject[] {
  const profiles = options.profiles ?? [];
  if (profiles.length > 0 && !options.crypto) throw new Error('dissectDatagrams: profiles need a crypto implementation');
  const knowledge: CaptureKnowledge = learnCapture(inputs);
  const open = profiles.length > 0 && options.crypto ? createOpenContext(options.crypto, profiles, knowledge) : null;
  const run: Run = { open, tracks: new Map() };
  if (open) {
    // Learn the sendbacks of the self-announce requests first, so a response found before its
    // request (or without its request in the capture) can still name its announce node.
    for (const d of inputs) {
      if (d.payload[0] === PACKET_ID.announce_request && isWhole(d)) openAnnounceRequestWithProfiles(open, d.payload, d.dst);
    }
  }
  return inputs.map((d) => dissectOne(run, d, true));
}

function isWhole(d: DissectInput): boolean {
  return d.size === undefined || d.size === d.payload.length;
}

function dissectOne(run: Run, d: DissectInput, topLevel: boolean): JsonObject {
  const desc = describeDatagram(d.payload);
  const size = d.size ?? d.payload.length;
  const out: MutableJsonObject = { kind: desc.kind, size };
  const whole = isWhole(d);
  if (!whole) out.captured_size = d.payload.length;
  Object.assign(out, desc.fields);
  if (desc.inner && whole) out.payload = dissectOne(run, { payload: desc.inner }, false);
  const error = whole ? desc.error : `cut short by the capture: ${d.payload.length} of ${size} bytes captured`;
  out.valid = error === null;
  if (error !== null) out.error = error;
  if (!whole || !run.open) return out;

  let outcome: OpenOutcome = { tried: false };
  switch (desc.kind) {
    case 'handshake':
      outcome = openHandshakeWithProfiles(run.open, d.payload);
      if (outcome.tried && 'baseNonce' in outcome && outcome.baseNonce && topLevel && d.src && d.dst) {
        // The base nonce is the one the handshake's SENDER uses for its own data (§4.2, §11.1).
        const key = `${ipPortKey(d.src)}>${ipPortKey(d.dst)}`;
        const known = run.tracks.get(key);
        if (!known || !equalBytes(known.base, outcome.baseNonce)) {
          run.tracks.set(key, { base: outcome.baseNonce, recv: outcome.baseNonce, offset: 0 });
        }
      }
      break;
    case 'announce_request':
      outcome = openAnnounceRequestWithProfiles(run.open, d.payload, d.dst);
      break;
    case 'announce_response':
      outcome = openAnnounceResponseWithProfiles(run.open, d.payload);
      break;
    case 'crypto_data':
      if (topLevel && d.src && d.dst && desc.error === null) {
        const track = run.tracks.get(`${ipPortKey(d.src)}>${ipPortKey(d.dst)}`);
        if (track) out.derived = deriveNonce(track, (d.payload[1]! << 8) | d.payload[2]!);
      }
      break;
    default:
      break;
  }
  if (outcome.tried) {
    if ('decrypted' in outcome) out.decrypted = outcome.decrypted;
    else out.decrypt_error = outcome.error;
  }
  return out;
}

/**
 * c-toxcore's receive rule: nonce = recv + ((tail − low16(recv)) mod 65536); after a packet that
 * opens, recv moves on by DATA_NUM_THRESHOLD when the gap exceeds twice that (net_crypto.c
 * `handle_data_packet`). The session key is not in savedata, so success is assumed.
 */
function deriveNonce(track: NonceTrack, tail: number): JsonObject {
  const { nonce, diff } = recoverNonce(track.recv, tail);
  const index = track.offset + diff;
  if (diff > DATA_NUM_THRESHOLD * 2) {
    track.recv = addToNonce(track.recv, DATA_NUM_THRESHOLD);
    track.offset += DATA_NUM_THRESHOLD;
  }
  return { nonce: hexUpper(nonce), nonce_index: index, base_nonce: hexUpper(track.base) };
}
