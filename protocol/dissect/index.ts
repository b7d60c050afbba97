/**
 * The Tox datagram dissector (issue 3): the public surface of protocol/dissect. Classifies and
 * describes UDP datagrams (describe.ts), learns each address's DHT key from a capture
 * (context.ts), and opens what a profile's long-term key can open (open.ts); dissect.ts ties them
 * together and documents the output object. Pure: the CLI (cli/commands/dissect.ts) reads files,
 * and protocol/pcap.ts turns capture files into datagrams.
 *
 * Serialized form: none of its own; every datagram's layout is in its codec's header.
 *
 * | offset | length | field                                   |
 * |-------:|-------:|-----------------------------------------|
 * |      0 |      1 | packet id → `kind` (packet-ids.ts)      |
 */
export { describeDatagram, type Description } from './describe.js';
export { dhtSenderPk, learnCapture, type CaptureKnowledge, type KnowledgeInput } from './context.js';
export {
  createOpenContext,
  MAX_DHT_KEY_CANDIDATES,
  openAnnounceRequestWithProfiles,
  openAnnounceResponseWithProfiles,
  openHandshakeWithProfiles,
  type DissectProfile,
  type OpenContext,
  type OpenOutcome,
} from './open.js';
export { dissectDatagram, dissectDatagrams, type DissectInput, type DissectOptions } from './dissect.js';
export { hexUpper, type Json, type JsonObject } from './json.js';
