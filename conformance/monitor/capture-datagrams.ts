/**
 * From a capture file's bytes (pcap or pcapng, protocol/pcap.ts) to what the monitor reads: the
 * UDP datagrams, numbered by frame, timed in milliseconds since the first stamped frame, in time
 * order. Frames that are not UDP are counted by reason; a truncated file gives the frames before
 * the damage and says where reading stopped. Pure: bytes in, datagrams out.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { Result } from '../../protocol/result.js';
import { parseCapture, udpFromFrame, type UdpDatagram } from '../../protocol/pcap.js';
import type { CapturedDatagram } from './identify.js';

export interface CaptureDatagrams {
  readonly datagrams: CapturedDatagram[];
  /** Frames that are not UDP datagrams, by reason. */
  readonly skipped: ReadonlyMap<string, number>;
  readonly totalFrames: number;
  /** The frames were not in time order (they are sorted). */
  readonly reordered: boolean;
  /** Why reading stopped before the end of the file, or null. */
  readonly stopped: string | null;
}

/** A frame of a capture, as protocol/pcap.ts reads it, unwrapped to UDP. */
export interface UdpFrame {
  readonly frame: number;
  readonly timeNs: bigint | null;
  readonly udp: UdpDatagram;
}

/** Numbers and times frames (a frame without a stamp, as a pcapng Simple Packet Block, takes its predecessor's). */
export function datagramsOfFrames(frames: readonly UdpFrame[]): { datagrams: CapturedDatagram[]; reordered: boolean } {
  const first = frames.find((f) => f.timeNs !== null)?.timeNs ?? null;
  let last = 0;
  const datagrams = frames.map((f) => {
    const t = f.timeNs !== null && first !== null ? Number(f.timeNs - first) / 1e6 : last;
    last = t;
    return { n: f.frame, t, src: f.udp.src, dst: f.udp.dst, payload: f.udp.payload, size: f.udp.size };
  });
  const reordered = datagrams.some((d, i) => i > 0 && d.t < datagrams[i - 1]!.t);
  if (reordered) datagrams.sort((a, b) => a.t - b.t || a.n - b.n);
  return { datagrams, reordered };
}

/** A capture file's bytes as the monitor's datagrams; an error when the bytes are not a capture at all. */
export function datagramsOfCapture(bytes: Bytes): Result<CaptureDatagrams> {
  const capture = parseCapture(bytes);
  if (!capture.ok) return capture;
  const skipped = new Map<string, number>();
  const frames: UdpFrame[] = [];
  for (const r of capture.value.records) {
    const u = udpFromFrame(r.linktype, r.data);
    if (u.ok) frames.push({ frame: r.frame, timeNs: r.timeNs, udp: u.value });
    else skipped.set(u.skip, (skipped.get(u.skip) ?? 0) + 1);
  }
  const { datagrams, reordered } = datagramsOfFrames(frames);
  return { ok: true, value: { datagrams, skipped, totalFrames: capture.value.records.length, reordered, stopped: capture.value.stoppedEarly } };
}
