/**
 * Parser for the datagram log written by `native/loopback-shim.c` when `TOXSTATE_SHIM_LOG` is set.
 *
 * One line per UDP datagram:
 *
 * | field | example | meaning |
 * |---|---|---|
 * | 1 | `1732619000123456` | Unix time, microseconds (gettimeofday) |
 * | 2 | `4242` | pid of the process that logged it |
 * | 3 | `send` / `recv` / `drop` / `rxdrop` | direction; `drop` = non-loopback send swallowed by the shim; `rxdrop` = a received datagram the shim discarded before the program saw it (`TOXSTATE_SHIM_DROP_RECV_PERMILLE`) |
 * | 4 | `127.0.0.1:33445` / `[::1]:33445` / `-` | source endpoint (for `recv`/`rxdrop` the sender) |
 * | 5 | as 4 | destination endpoint |
 * | 6 | `82` | payload length in bytes |
 * | 7 | `00a1…` | payload, lowercase hex (empty for a 0-byte datagram) |
 *
 * Malformed lines are returned as errors with their line number, never thrown.
 */
import { fromHex, type Bytes } from '../../protocol/bytes.js';

export type ShimDirection = 'send' | 'recv' | 'drop' | 'rxdrop';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export interface ShimRecord {
  readonly timeUs: bigint;
  readonly pid: number;
  readonly dir: ShimDirection;
  /** `undefined` when the shim could not name the endpoint (`-`). */
  readonly src: Endpoint | undefined;
  readonly dst: Endpoint | undefined;
  readonly payload: Bytes;
}

export interface ShimLog {
  readonly records: ShimRecord[];
  readonly errors: { readonly line: number; readonly error: string }[];
}

export function parseEndpoint(s: string): Endpoint | undefined | 'invalid' {
  if (s === '-') return undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s);
  if (v6) {
    const port = Number(v6[2]);
    return port <= 65535 ? { ip: v6[1]!, port, family: 6 } : 'invalid';
  }
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/.exec(s);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    const port = Number(v4[5]);
    if (octets.some((o) => o > 255) || port > 65535) return 'invalid';
    return { ip: octets.join('.'), port, family: 4 };
  }
  return 'invalid';
}

export function parseShimLog(text: string): ShimLog {
  const records: ShimRecord[] = [];
  const errors: { line: number; error: string }[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (raw.trim() === '') return;
    // The payload field is empty for a 0-byte datagram, so the line may end in a space.
    const f = raw.split(' ');
    if (f.length !== 7) return errors.push({ line: lineNo, error: `expected 7 fields, got ${f.length}` });
    const [ts, pid, dir, src, dst, len, hexPayload] = f as [string, string, string, string, string, string, string];
    if (!/^\d+$/.test(ts) || !/^\d+$/.test(pid) || !/^\d+$/.test(len)) return errors.push({ line: lineNo, error: 'bad number' });
    if (dir !== 'send' && dir !== 'recv' && dir !== 'drop' && dir !== 'rxdrop') return errors.push({ line: lineNo, error: `bad direction ${dir}` });
    const s = parseEndpoint(src);
    const d = parseEndpoint(dst);
    if (s === 'invalid' || d === 'invalid') return errors.push({ line: lineNo, error: 'bad endpoint' });
    const payload = fromHex(hexPayload);
    if (!payload.ok) return errors.push({ line: lineNo, error: payload.error });
    if (payload.value.length !== Number(len)) return errors.push({ line: lineNo, error: 'length does not match payload' });
    records.push({ timeUs: BigInt(ts), pid: Number(pid), dir, src: s, dst: d, payload: payload.value });
    return undefined;
  });
  return { records, errors };
}
