/**
 * `toxstate dissect` as a user runs it: the golden capture with both peers' profiles, hex
 * datagrams on stdin, pcapng with frames to skip, and every kind of bad input (one line on
 * stderr, non-zero exit; a truncated capture's complete datagrams are printed first).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ethernet, ipv4Udp, pcapng } from '../protocol/dissect-fixtures.js';
import { ENCRYPTED_FIXTURE, expectOneLineError, FIXTURE_PASSPHRASE, FIXTURES, tempDir, toxstate } from './run.js';

const CAPTURE = join(FIXTURES, 'captures/ctoxcore-0.2.18-loopback.pcap');
const ALICE = join(FIXTURES, 'captures/ctoxcore-0.2.18-alice.tox');
const BOB = join(FIXTURES, 'captures/ctoxcore-0.2.18-bob.tox');

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('toxstate dissect --pcap', () => {
  it('names and validates every datagram of the golden capture and opens the handshakes with both profiles', () => {
    const r = toxstate(['dissect', '--pcap', CAPTURE, '--profile', ALICE, '--profile', BOB]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out.length).toBe(1118);
    expect(out.map((o) => o.frame)).toEqual(out.map((_, i) => i + 1));
    expect(out[0]).toMatchObject({ frame: 1, time: '2026-11-26T11:27:45.752463Z', t: 0, src: '127.0.0.1:33446', dst: '127.0.0.1:33445', kind: 'nodes_request', size: 113, valid: true });
    expect(out.filter((o) => o.kind === 'unknown')).toEqual([]);
    expect(out.filter((o) => o.valid !== true)).toEqual([]);
    const hs = out.filter((o) => o.kind === 'handshake');
    expect(hs.length).toBe(2);
    for (const h of hs) expect(h.decrypted).toMatchObject({ cookie_hash_ok: true });
    expect(out.filter((o) => o.kind === 'announce_request' && o.decrypted).length).toBeGreaterThan(50);
    expect(out.every((o) => typeof o.t === 'number' && (o.t as number) >= 0 && (o.t as number) < 14)).toBe(true);
  });

  it('without profiles, prints the clear fields only', () => {
    const out = lines(toxstate(['dissect', '--pcap', CAPTURE]).stdout);
    expect(out.length).toBe(1118);
    expect(out.some((o) => 'decrypted' in o || 'derived' in o)).toBe(false);
  });

  it('reads pcapng, and counts the frames it skips in one stderr line', () => {
    const tox = Uint8Array.from([0x21, ...new Uint8Array(32).fill(9)]);
    const file = join(dir, 'mixed.pcapng');
    writeFileSync(
      file,
      pcapng(
        [{ linktype: 1, tsresol: 9 }],
        [
          { kind: 'epb', iface: 0, ticks: 1_000_000_000_000_000_000n, data: ethernet(ipv4Udp('127.0.0.1', '127.0.0.1', 33445, 33446, tox), 0x0800) },
          { kind: 'epb', iface: 0, ticks: 1_000_000_000_500_000_000n, data: ethernet(ipv4Udp('127.0.0.1', '127.0.0.1', 1, 2, tox, { proto: 6 }), 0x0800) },
          { kind: 'epb', iface: 0, ticks: 1_000_000_001_000_000_000n, data: ethernet(new Uint8Array(28), 0x0806) },
          { kind: 'epb', iface: 0, ticks: 1_000_000_002_000_000_000n, data: ethernet(ipv4Udp('127.0.0.1', '127.0.0.1', 33446, 33445, Uint8Array.of(0x42)), 0x0800) },
        ],
      ),
    );
    const r = toxstate(['dissect', '--pcap', file]);
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      { frame: 1, time: '2001-09-09T01:46:40.000000000Z', t: 0, src: '127.0.0.1:33445', dst: '127.0.0.1:33446', kind: 'lan_discovery', size: 33, sender_pk: '09'.repeat(32), valid: true },
      { frame: 4, time: '2001-09-09T01:46:42.000000000Z', t: 2, src: '127.0.0.1:33446', dst: '127.0.0.1:33445', kind: 'unknown', size: 1, first_byte: 0x42, valid: false, error: 'unknown packet id 0x42' },
    ]);
    expect(r.stderr).toBe('toxstate: dissect: skipped 2 of 4 frames (1 not UDP, 1 not IP)\n');
  });

  it('prints the complete datagrams of a truncated capture, then one error line', () => {
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(CAPTURE).subarray(0, 5000));
    const r = toxstate(['dissect', '--pcap', cut]);
    expectOneLineError(r, /dissect: .*cut\.pcap is truncated or corrupt: record 32 at byte 4878 is truncated: .*; the 31 datagrams before it were dissected/, { stdoutAllowed: true });
    expect(lines(r.stdout).length).toBe(31);
  });

  it('refuses a missing file, a file that is not a capture, and a cut header, with one line', () => {
    expectOneLineError(toxstate(['dissect', '--pcap', join(dir, 'nope.pcap')]), /cannot read .*nope\.pcap: the file does not exist/);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, this is text\n');
    expectOneLineError(toxstate(['dissect', '--pcap', text]), /notes\.txt: not a pcap or pcapng file/);
    const head = join(dir, 'head.pcap');
    writeFileSync(head, readFileSync(CAPTURE).subarray(0, 10));
    expectOneLineError(toxstate(['dissect', '--pcap', head]), /head\.pcap: truncated pcap/);
    expectOneLineError(toxstate(['dissect', '--pcap']), /dissect: --pcap needs a value/);
  });

  it('opens an encrypted profile with TOXSTATE_PASSPHRASE, and refuses without it', () => {
    expect(toxstate(['dissect', '--pcap', CAPTURE, '--profile', ENCRYPTED_FIXTURE], { env: { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE } }).status).toBe(0);
    expectOneLineError(toxstate(['dissect', '--pcap', CAPTURE, '--profile', ENCRYPTED_FIXTURE]), /passphrase for profile .*encrypted\.tox needed/);
  });
});

describe('toxstate dissect (hex on stdin)', () => {
  it('dissects one datagram per line, skipping blanks and comments, numbering by line', () => {
    const input = ['# two datagrams', '', `21${'ab'.repeat(32)}  # LAN discovery`, '  1B 00 01 ' + '00'.repeat(30), ''].join('\n');
    const r = toxstate(['dissect'], { input });
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out).toEqual([
      { line: 3, kind: 'lan_discovery', size: 33, sender_pk: 'AB'.repeat(32), valid: true },
      { line: 4, kind: 'crypto_data', size: 33, nonce_tail: '0001', box_size: 30, padded_payload_size: 6, valid: true },
    ]);
    expect(toxstate(['dissect'], { input: '' })).toMatchObject({ status: 0, stdout: '' });
  });

  it('refuses a bad hex line, naming its number, before printing anything', () => {
    expectOneLineError(toxstate(['dissect'], { input: `21${'ab'.repeat(32)}\n\n21zz\n` }), /dissect: stdin line 3: not hex \(character "z"\)/);
    expectOneLineError(toxstate(['dissect'], { input: '# x\n123\n' }), /dissect: stdin line 2: odd number of hex digits \(3\)/);
  });
});
