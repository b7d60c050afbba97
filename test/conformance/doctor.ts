/**
 * Captures for the monitor tests: the golden c-toxcore pair capture (test/fixtures/captures/)
 * read into numbered, timed datagrams, its profiles' keys, and doctoring operations that make a
 * copy break exactly one rule (remove packets, re-send a packet, insert a packet), plus writing a
 * doctored copy back as a pcap for the CLI tests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeDatagram, hexUpper, type DissectProfile } from '../../protocol/dissect/index.js';
import { formatIpPort } from '../../protocol/ip-port.js';
import type { CapturedDatagram } from '../../conformance/monitor/identify.js';
import { datagramsOfCapture } from '../../conformance/monitor/capture-datagrams.js';
import { loadProfile } from '../../runtime/adapters/profile-store.js';
import { writePcap } from '../../harness/interop/pcap-writer.js';

export const CAPTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'captures');
export const GOLDEN_PCAP = path.join(CAPTURES, 'ctoxcore-0.2.18-loopback.pcap');
export const ALICE_TOX = path.join(CAPTURES, 'ctoxcore-0.2.18-alice.tox');
export const BOB_TOX = path.join(CAPTURES, 'ctoxcore-0.2.18-bob.tox');
export const ALICE_ADDRESS = '127.0.0.1:33445';
/** toxstate ↔ c-toxcore 0.2.18 (test/interop/make-golden-mixed-capture.ts): alice is c-toxcore, bob toxstate. */
export const MIXED_PCAP = path.join(CAPTURES, 'toxstate-ctoxcore-0.2.18.pcap');
export const MIXED_ALICE_TOX = path.join(CAPTURES, 'toxstate-ctoxcore-0.2.18-alice.tox');
export const MIXED_BOB_TOX = path.join(CAPTURES, 'toxstate-ctoxcore-0.2.18-bob.tox');
/** The campaign's toxstate-restart capture (alice c-toxcore, bob toxstate restarting on a new port). */
export const RESTART_PCAP = path.join(CAPTURES, 'restart-toxstate-ctoxcore-0.2.18.pcap');
export const RESTART_ALICE_TOX = path.join(CAPTURES, 'restart-toxstate-ctoxcore-0.2.18-alice.tox');
export const RESTART_BOB_TOX = path.join(CAPTURES, 'restart-toxstate-ctoxcore-0.2.18-bob.tox');
export const BOB_ADDRESS = '127.0.0.1:33446';

/** A capture file's UDP datagrams, numbered by frame, in ms since the first frame. */
export async function readDatagrams(file: string): Promise<CapturedDatagram[]> {
  const r = datagramsOfCapture(new Uint8Array(await readFile(file)));
  if (!r.ok) throw new Error(r.error);
  return r.value.datagrams;
}

export async function keyProfile(file: string): Promise<DissectProfile> {
  const p = (await loadProfile(file)).profile;
  return { label: path.basename(file), publicKey: p.keys.publicKey, secretKey: p.keys.secretKey, friendPks: p.friends.map((f) => f.publicKey) };
}

export const pkOf = (p: DissectProfile): string => hexUpper(p.publicKey);

export const kindOf = (d: CapturedDatagram): string => describeDatagram(d.payload).kind;
export const between = (d: CapturedDatagram, src: string, dst: string): boolean => formatIpPort(d.src) === src && formatIpPort(d.dst) === dst;

/** The capture without the datagrams `drop` selects. */
export const without = (list: readonly CapturedDatagram[], drop: (d: CapturedDatagram) => boolean): CapturedDatagram[] => list.filter((d) => !drop(d));

/** The capture with extra datagrams, numbered after the last frame, in time order. */
export function withExtra(list: readonly CapturedDatagram[], extra: readonly Omit<CapturedDatagram, 'n'>[]): CapturedDatagram[] {
  let n = Math.max(...list.map((d) => d.n));
  return [...list, ...extra.map((d) => ({ ...d, n: ++n }))].sort((a, b) => a.t - b.t || a.n - b.n);
}

/** A doctored capture as a classic pcap (frames renumbered by position, as any capture file). */
export function toPcap(list: readonly CapturedDatagram[]): Uint8Array {
  const base = 1_764_000_000_000_000n;
  return writePcap(
    list.map((d) => ({
      timeUs: base + BigInt(Math.round(d.t * 1000)),
      src: { ip: d.src.ip, port: d.src.port },
      dst: { ip: d.dst.ip, port: d.dst.port },
      payload: d.payload,
    })),
  );
}
