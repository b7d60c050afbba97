/**
 * `toxstate check --pcap FILE --profile A.tox [--profile B.tox …] [--json] [--tolerance MS]`: the
 * conformance monitor (conformance/monitor/) on a capture of anyone's Tox traffic. Exit 0 when
 * no violation was found, 1 when one was, 2 on bad input (or nothing to check).
 */
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { checkCapture, DEFAULT_TOLERANCE_MS, type CheckReport } from '../../conformance/monitor/check.js';
import { jsonLines, summaryOf, textReport } from '../../conformance/monitor/format.js';
import type { CapturedDatagram } from '../../conformance/monitor/identify.js';
import { datagramsOfFrames } from '../../conformance/monitor/capture-datagrams.js';
import type { DissectProfile } from '../../protocol/dissect/index.js';
import { intOption, parse } from '../args.js';
import { readCaptureFile } from '../capture-file.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import { openKeyProfile } from './profile-common.js';

/** From this many datagrams on, a terminal is told the check is under way. */
const LARGE_CAPTURE_DATAGRAMS = 100_000;

/** The smallest tolerance: below it an answer sent a few milliseconds after its trigger counts as late. */
export const MIN_TOLERANCE_MS = 100;

const USAGE = `Usage: toxstate check --pcap FILE --profile FILE [--profile FILE]... [--json] [--tolerance MS]

Checks a capture of Tox traffic against toxstate's friend-session statechart, acting as a
monitor: for every friend pair the capture shows, each side's session is fed what that side
received, and what it sent must be what the model allows, when the model says (± the tolerance).

  --pcap FILE        a pcap or pcapng capture (any link type 'toxstate dissect' reads), made by
                     anyone: tcpdump -i lo -w FILE udp, Wireshark, dumpcap
  --profile FILE     a profile (c-toxcore savedata, plain or encrypted; repeatable): its long-term
                     key opens the handshakes with its friends and its own announce responses,
                     which tell which address is which peer. One side's profile is enough to
                     check both sides of its friendships.
  --json             one JSON object per line: peer, progress, violation, deviation,
                     not_observable, and last summary
  --tolerance MS     how early or late a packet may be against the model (default ${DEFAULT_TOLERANCE_MS}:
                     c-toxcore's friend timers count whole seconds; at least ${MIN_TOLERANCE_MS}: an
                     answer takes a few milliseconds)
  -h, --help         show this help

Prints each side's ToxProgress timeline (AwaitingDHTKey … Established), every violation (the
rule id from docs/conformance.md, the time, the frames, what the model expected, what happened),
documented c-toxcore differences as deviations, and what the wire cannot show (listed, never
guessed; inferred steps say what they inferred).

Exit status: 0 no violations; 1 violations; 2 bad input: a missing or unreadable file, not a
capture, a profile that does not load, a truncated capture (checked up to the damage first),
or nothing to check (no friend pair between peers the profiles reveal).`;

/** The datagrams of a capture file, numbered by frame and timed in ms since the first frame. */
export async function readCheckInput(pcap: string, profilePaths: readonly string[], command: string): Promise<{ datagrams: CapturedDatagram[]; profiles: DissectProfile[]; notes: string[]; stopped: string | null }> {
  const crypto = await loadCrypto();
  const profiles: DissectProfile[] = [];
  for (const path of profilePaths) profiles.push(await openKeyProfile(path, crypto));
  const capture = await readCaptureFile(pcap, command);
  const { datagrams, reordered } = datagramsOfFrames(capture.frames);
  const notes = [...capture.notes];
  if (reordered) notes.push('frames are not in time order: checked in time order');
  return { datagrams, profiles, notes, stopped: capture.stopped };
}

/** Runs the monitor over a capture file: the shared front of `check` and `inspect --pcap`. */
export async function checkFile(pcap: string, profilePaths: readonly string[], toleranceMs: number | undefined, command: string): Promise<{ report: CheckReport; notes: string[]; stopped: string | null }> {
  if (profilePaths.length === 0) throw new CliError(`${command}: --profile is required (the long-term key of at least one peer in the capture)`);
  const input = await readCheckInput(pcap, profilePaths, command);
  // A large capture takes a while (about 4 s per 20 MB here): say so on a terminal.
  if (process.stderr.isTTY && input.datagrams.length >= LARGE_CAPTURE_DATAGRAMS) console.error(`toxstate: ${command}: checking ${input.datagrams.length.toLocaleString('en')} datagrams…`);
  const report = checkCapture(input.datagrams, input.profiles, await loadCrypto(), toleranceMs === undefined ? {} : { toleranceMs });
  return { report, notes: input.notes, stopped: input.stopped };
}

/** Why a report checked nothing, or null when it checked at least one pair. */
export function nothingToCheck(report: CheckReport, pcap: string): string | null {
  if (report.pairs.length > 0) return null;
  if (report.datagrams === 0) return `${pcap} holds no UDP datagrams`;
  return `no friend pair to check in ${pcap}: of its ${report.datagrams} UDP datagrams none is a friend connection (cookie, handshake, session packet) between peers the profiles reveal${report.peers.length === 0 ? ' (no announce response or handshake opens with the given profiles)' : ''}`;
}

export const command: Command = {
  summary: "check a capture against the friend-session statechart (any implementation's traffic)",
  usage: USAGE,
  async run(argv) {
    const { values } = parse(argv, { pcap: { type: 'string' }, profile: { type: 'string', multiple: true }, json: { type: 'boolean' }, tolerance: { type: 'string' } }, 'check');
    if (values.pcap === undefined) throw new CliError("check: --pcap FILE is required (see 'toxstate check --help')");
    const toleranceMs = intOption(values.tolerance, 'tolerance', MIN_TOLERANCE_MS, 60_000, 'check');
    const { report, notes, stopped } = await checkFile(values.pcap, values.profile ?? [], toleranceMs, 'check');
    const lines = values.json ? jsonLines(report) : textReport(report, values.pcap);
    process.stdout.write(`${lines.join('\n')}\n`);
    if (stopped !== null) throw new CliError(`check: ${values.pcap} is truncated or corrupt: ${stopped}; the ${report.datagrams} datagrams before it were checked`);
    if (notes.length > 0) console.error(`toxstate: check: ${notes.join('; ')}`);
    const empty = nothingToCheck(report, values.pcap);
    if (empty !== null) throw new CliError(`check: ${empty}`);
    return summaryOf(report).violations > 0 ? 1 : 0;
  },
};
