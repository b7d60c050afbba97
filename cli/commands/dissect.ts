/**
 * `toxstate dissect [--pcap FILE] [--profile FILE]...`: one JSON object per UDP datagram, naming
 * each Tox packet and its clear header fields, and opening what the given profiles' long-term
 * keys can open (protocol/dissect/). Input is a pcap/pcapng capture (protocol/pcap.ts), or hex
 * datagrams on stdin, one per line.
 */
import { fromHex } from '../../protocol/bytes.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { dissectDatagrams, type DissectInput, type DissectProfile, type JsonObject } from '../../protocol/dissect/index.js';
import { formatIpPort } from '../../protocol/ip-port.js';
import { formatCaptureTime } from '../../protocol/pcap.js';
import { formatSize } from '../../runtime/adapters/read-regular-file.js';
import { readCaptureFile } from '../capture-file.js';
import { parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import { openKeyProfile } from './profile-common.js';

const USAGE = `Usage: toxstate dissect [--pcap FILE] [--profile FILE]...

Prints one JSON object per UDP datagram (one per line) naming the Tox packet it carries.

Input:
  --pcap FILE      a pcap or pcapng capture (tcpdump, Wireshark, dumpcap). Link types: Ethernet,
                   Linux cooked (SLL, SLL2), raw IP, IPv4, IPv6, BSD null/loopback. IPv4 and IPv6,
                   UDP only: other frames are skipped and counted on stderr at the end.
                   A regular file of at most 256 MiB (a FIFO or device is refused).
  (no --pcap)      hex datagrams on stdin, one per line; blank lines and # comments are ignored
                   (at most 64 MiB)

Keys:
  --profile FILE   a profile (c-toxcore savedata, plain or encrypted; repeatable) whose
                   long-term key opens what it can: handshakes (with each friend's key) and the
                   profile's own announce requests and responses (with the announce node's DHT
                   key, learnt from the capture). Encrypted profiles are opened with
                   $TOXSTATE_PASSPHRASE or a prompt.
  -h, --help       show this help

Each object has: frame, time (ISO 8601 UTC), t (seconds since the first frame), src, dst
(pcap input) or line (stdin input); kind (nodes_request, cookie_response, onion_request_0,
announce_request, crypto_data, …, or unknown with first_byte); size; the header fields the packet
carries in the clear (keys, nonces, sendbacks, box and onion layer sizes; bytes as uppercase
hex); valid, and error when not valid; decrypted (or decrypt_error) when a profile key applies;
derived (the full nonce of a crypto data packet, from an opened handshake).

Exit status: 0 on success; 2 on bad input (missing file, not a regular file, a capture over
256 MiB, not a capture, a truncated capture — whose complete datagrams are printed first —,
a bad hex line, a profile that does not load).`;

async function fromPcap(path: string): Promise<{ lines: Line[]; notes: string[]; stopped: string | null }> {
  const capture = await readCaptureFile(path, 'dissect');
  const first = capture.frames.find((r) => r.timeNs !== null)?.timeNs ?? null;
  const lines: Line[] = capture.frames.map((r) => {
    const prefix: Record<string, string | number> = { frame: r.frame };
    if (r.timeNs !== null) {
      prefix.time = formatCaptureTime(r.timeNs, r.timeDigits);
      if (first !== null) prefix.t = Number(r.timeNs - first) / 1e9;
    }
    prefix.src = formatIpPort(r.udp.src);
    prefix.dst = formatIpPort(r.udp.dst);
    return { prefix, input: { payload: r.udp.payload, size: r.udp.size, src: r.udp.src, dst: r.udp.dst } };
  });
  return { lines, notes: [...capture.notes], stopped: capture.stopped };
}

/**
 * The most hex text read from stdin: 64 MiB (32 MiB of datagrams). The text is held as bytes,
 * then as a string, then as lines, before the datagrams are: a smaller limit than a capture's.
 */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024;

interface Line {
  readonly prefix: Record<string, string | number>;
  readonly input: DissectInput;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) console.error('toxstate: dissect: reading hex datagrams from the terminal, one per line (end with Ctrl-D)');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += b.length;
    // Bounded like a capture file (`< /dev/zero` ends here instead of filling memory).
    if (total > MAX_STDIN_BYTES) throw new CliError(`dissect: stdin: more than ${formatSize(MAX_STDIN_BYTES)} of hex lines; split the input`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses hex lines; a bad one is an error naming its line number. */
export function parseHexLines(text: string): Line[] {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const s = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/\s+/g, '');
    if (s === '') return;
    const bad = /[^0-9a-fA-F]/.exec(s);
    if (bad) throw new CliError(`dissect: stdin line ${i + 1}: not hex (character ${JSON.stringify(bad[0])})`);
    if (s.length % 2 !== 0) throw new CliError(`dissect: stdin line ${i + 1}: odd number of hex digits (${s.length})`);
    const bytes = fromHex(s);
    if (!bytes.ok) throw new CliError(`dissect: stdin line ${i + 1}: ${bytes.error}`);
    lines.push({ prefix: { line: i + 1 }, input: { payload: bytes.value } });
  });
  return lines;
}

export const command: Command = {
  summary: 'name and describe every Tox packet in a capture (JSON lines)',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(argv, { pcap: { type: 'string' }, profile: { type: 'string', multiple: true } }, 'dissect');
    const crypto = await loadCrypto();
    const profiles: DissectProfile[] = [];
    for (const path of values.profile ?? []) profiles.push(await openKeyProfile(path, crypto));
    const source =
      values.pcap !== undefined ? await fromPcap(values.pcap) : { lines: parseHexLines(await readStdin()), notes: [] as string[], stopped: null };
    const dissected: JsonObject[] = dissectDatagrams(
      source.lines.map((l) => l.input),
      { crypto, profiles },
    );
    const out: string[] = dissected.map((d, i) => JSON.stringify({ ...source.lines[i]!.prefix, ...d }));
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    const notes = [...source.notes];
    if (source.stopped !== null) {
      notes.unshift(`${values.pcap} is truncated or corrupt: ${source.stopped}; the ${out.length} datagrams before it were dissected`);
      throw new CliError(`dissect: ${notes.join('; ')}`);
    }
    if (notes.length > 0) console.error(`toxstate: dissect: ${notes.join('; ')}`);
    return 0;
  },
};
