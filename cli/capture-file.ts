/**
 * Reading a capture file for a command (dissect, check, inspect --pcap): a regular file of at most
 * MAX_CAPTURE_FILE_BYTES, parsed as pcap or pcapng (protocol/pcap.ts), unwrapped to its UDP
 * datagrams. Frames that are not UDP are skipped and counted; a truncated or corrupt file gives
 * the datagrams before the damage and says where reading stopped.
 */
import { parseCapture, udpFromFrame, type UdpDatagram } from '../protocol/pcap.js';
import { readRegularFile, UserFileError } from '../runtime/adapters/read-regular-file.js';
import { CliError } from './errors.js';

/**
 * The largest capture read: 256 MiB. The commands hold the capture, every datagram and what they
 * derive from it in memory at once (several times the capture's size); a larger capture is split first.
 */
export const MAX_CAPTURE_FILE_BYTES = 256 * 1024 * 1024;

export interface CapturedFrame {
  /** 1-based frame number in the file. */
  readonly frame: number;
  readonly timeNs: bigint | null;
  readonly timeDigits: number;
  readonly udp: UdpDatagram;
}

export interface CaptureFile {
  readonly frames: readonly CapturedFrame[];
  /** How many frames the file holds (UDP or not). */
  readonly totalFrames: number;
  /** Notes for stderr (skipped frames). */
  readonly notes: readonly string[];
  /** Why reading stopped before the end of the file, or null. */
  readonly stopped: string | null;
}

/** Reads `path` for `command`; a file that is missing, too big or not a capture is a CliError. */
export async function readCaptureFile(path: string, command: string): Promise<CaptureFile> {
  let bytes: Uint8Array;
  try {
    // A regular file only (a FIFO or /dev/zero is refused at once), at most MAX_CAPTURE_FILE_BYTES.
    bytes = await readRegularFile(path, MAX_CAPTURE_FILE_BYTES, 'for a capture (split it with editcap -c)');
  } catch (e) {
    throw new CliError(`${command}: cannot read ${path}: ${e instanceof UserFileError ? e.problem : e instanceof Error ? e.message : String(e)}`);
  }
  const capture = parseCapture(bytes);
  if (!capture.ok) throw new CliError(`${command}: ${path}: ${capture.error}`);
  const skipped = new Map<string, number>();
  const frames: CapturedFrame[] = [];
  for (const r of capture.value.records) {
    const u = udpFromFrame(r.linktype, r.data);
    if (!u.ok) {
      skipped.set(u.skip, (skipped.get(u.skip) ?? 0) + 1);
      continue;
    }
    frames.push({ frame: r.frame, timeNs: r.timeNs, timeDigits: r.timeDigits, udp: u.value });
  }
  const notes: string[] = [];
  const total = [...skipped.values()].reduce((a, b) => a + b, 0);
  if (total > 0) {
    const parts = [...skipped.entries()].map(([why, n]) => `${n} ${why}`).join(', ');
    notes.push(`skipped ${total} of ${capture.value.records.length} frames (${parts})`);
  }
  return { frames, totalFrames: capture.value.records.length, notes, stopped: capture.value.stoppedEarly };
}
