/**
 * `toxstate check`: the conformance monitor as a command — exit 0 on a clean capture, 1 with
 * violations (text and JSON lines), 2 on bad input with one clear line: garbage, a truncated
 * capture (checked up to the damage first), a capture with no Tox traffic, missing options.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE_TOX, BOB_TOX, GOLDEN_PCAP, kindOf, readDatagrams, toPcap, without } from '../conformance/doctor.js';
import { writePcap } from '../../harness/interop/pcap-writer.js';
import { expectOneLineError, tempDir, toxstate } from './run.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
let noCookies: string;

beforeAll(async () => {
  noCookies = join(dir, 'no-cookie-responses.pcap');
  writeFileSync(noCookies, toPcap(without(await readDatagrams(GOLDEN_PCAP), (d) => kindOf(d) === 'cookie_response')));
});

const json = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('toxstate check', () => {
  it('a clean capture of two c-toxcore peers: timelines, no violations, exit 0', () => {
    const r = toxstate(['check', '--pcap', GOLDEN_PCAP, '--profile', ALICE_TOX, '--profile', BOB_TOX]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Established/);
    expect(r.stdout).toMatch(/Violations: none/);
    expect(r.stdout).toMatch(/Summary: 1 pair, 0 violations, 2 deviations, 1118 datagrams/);
    expect(r.stdout).toMatch(/\[onion\.start-delay\]/);
  });

  it('a doctored capture: the violation with its rule, exit 1; --json ends with the summary', () => {
    const text = toxstate(['check', '--pcap', noCookies, '--profile', BOB_TOX]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/\[st\.cookie-response\] at 9\.570 s/);
    const lines = json(toxstate(['check', '--pcap', noCookies, '--profile', BOB_TOX, '--json']).stdout);
    expect(lines.filter((l) => l.ev === 'violation').map((l) => l.rule)).toEqual(['st.cookie-response']);
    expect(lines.at(-1)).toMatchObject({ ev: 'summary', pairs: 1, violations: 1, deviations: 1, packets: 1117 });
  });

  it('the tolerance: a cookie request resent 1.6 s after the last passes at the default, not at 300 ms', async () => {
    const golden = await readDatagrams(GOLDEN_PCAP);
    const resends = golden.filter((d) => kindOf(d) === 'cookie_request' && d.t > 11_000);
    const late = join(dir, 'late-resend.pcap');
    // Alice's resend timer runs 600 ms late from the first resend on.
    writeFileSync(late, toPcap(golden.map((d) => (resends.includes(d) ? { ...d, t: d.t + 600 } : d)).sort((a, b) => a.t - b.t)));
    expect(toxstate(['check', '--pcap', late, '--profile', ALICE_TOX]).status).toBe(0);
    const strict = json(toxstate(['check', '--pcap', late, '--profile', ALICE_TOX, '--json', '--tolerance', '300']).stdout);
    expect(strict.filter((l) => l.ev === 'violation').map((l) => l.rule)).toEqual(['nc.resend-interval']);
    expect(strict.at(-1)).toMatchObject({ tolerance_ms: 300, violations: 1 });
    expectOneLineError(toxstate(['check', '--pcap', GOLDEN_PCAP, '--profile', ALICE_TOX, '--tolerance', 'soon']), /--tolerance must be a whole number/);
    expectOneLineError(toxstate(['check', '--pcap', GOLDEN_PCAP, '--profile', ALICE_TOX, '--tolerance', '0']), /--tolerance must be between 100 and 60000/);
  });

  it('garbage, a missing file, and missing options: one line, exit 2', () => {
    const garbage = join(dir, 'garbage.pcap');
    writeFileSync(garbage, Buffer.from('this is not a capture at all, just words\n'));
    expectOneLineError(toxstate(['check', '--pcap', garbage, '--profile', ALICE_TOX]), /check: .*garbage\.pcap: not a pcap or pcapng file/);
    expectOneLineError(toxstate(['check', '--pcap', join(dir, 'nope.pcap'), '--profile', ALICE_TOX]), /check: cannot read .*nope\.pcap: the file does not exist/);
    expectOneLineError(toxstate(['check', '--profile', ALICE_TOX]), /check: --pcap FILE is required/);
    expectOneLineError(toxstate(['check', '--pcap', GOLDEN_PCAP]), /check: --profile is required/);
    expectOneLineError(toxstate(['check', '--pcap', GOLDEN_PCAP, '--profile', garbage]), /garbage\.pcap/);
  });

  it('a truncated capture is checked up to the damage, then says so (exit 2)', () => {
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(GOLDEN_PCAP).subarray(0, 340_000));
    const r = toxstate(['check', '--pcap', cut, '--profile', ALICE_TOX, '--json']);
    expectOneLineError(r, /check: .*cut\.pcap is truncated or corrupt: record \d+ at byte \d+ is truncated.*; the \d+ datagrams before it were checked/, { stdoutAllowed: true });
    expect(json(r.stdout).at(-1)).toMatchObject({ ev: 'summary', pairs: 1 });
  });

  it('a capture with no Tox traffic says there is nothing to check (exit 2)', () => {
    const dns = join(dir, 'dns.pcap');
    const payload = Uint8Array.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    writeFileSync(dns, writePcap([1, 2, 3].map((i) => ({ timeUs: BigInt(i) * 1000n, src: { ip: '127.0.0.1', port: 5353 }, dst: { ip: '127.0.0.1', port: 53 }, payload }))));
    const r = toxstate(['check', '--pcap', dns, '--profile', ALICE_TOX]);
    expectOneLineError(r, /check: no friend pair to check in .*dns\.pcap: of its 3 UDP datagrams none is a friend connection/, { stdoutAllowed: true });
  });
});
