/**
 * The monitor on hostile input: captures of random datagrams between a few addresses (every
 * friend-connection kind, wrong sizes, cut short), and the golden capture with its friend-connection
 * packets flipped, dropped, duplicated and reordered. It never throws, every finding names a rule
 * of conformance/rules.ts, and its work stays bounded.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCapture } from '../../conformance/monitor/check.js';
import type { CapturedDatagram } from '../../conformance/monitor/identify.js';
import { RULES } from '../../conformance/rules.js';
import type { DissectProfile } from '../../protocol/dissect/index.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { ALICE_TOX, BOB_TOX, GOLDEN_PCAP, keyProfile, kindOf, readDatagrams } from './doctor.js';

let crypto: Crypto;
let golden: CapturedDatagram[];
let profiles: DissectProfile[];
beforeAll(async () => {
  crypto = await loadCrypto();
  golden = await readDatagrams(GOLDEN_PCAP);
  profiles = [await keyProfile(ALICE_TOX), await keyProfile(BOB_TOX)];
});

const RULE_IDS = new Set(RULES.map((r) => r.id));
const SESSION_KINDS = ['cookie_request', 'cookie_response', 'handshake', 'crypto_data'];

function expectSound(list: readonly CapturedDatagram[]): ReturnType<typeof checkCapture> {
  const r = checkCapture(list, profiles, crypto);
  for (const f of r.findings) expect(RULE_IDS.has(f.rule), f.rule).toBe(true);
  for (const p of r.pairs) for (const d of p.directions) for (const s of d.steps) expect(Number.isFinite(s.t)).toBe(true);
  return r;
}

describe('the monitor on hostile captures', () => {
  it("random friend-connection datagrams between the golden peers' addresses (so a pair exists): no throw", () => {
    // The golden capture's DHT and onion traffic identifies Alice and Bob; the session is random.
    const base = golden.filter((d) => !SESSION_KINDS.includes(kindOf(d)));
    const address = fc.constantFrom(33445, 33446, 40000).map((port) => ({ family: 'ipv4' as const, ip: '127.0.0.1', port }));
    const datagram = fc.record({
      t: fc.integer({ min: 0, max: 120_000 }),
      src: address,
      dst: address,
      first: fc.constantFrom(0x18, 0x19, 0x1a, 0x1b, 0x02, 0x83, 0x84),
      body: fc.uint8Array({ maxLength: 420 }),
      cut: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(datagram, { maxLength: 60 }), (raw) => {
        const extra = raw.map((d, i) => {
          const payload = Uint8Array.of(d.first, ...d.body);
          return { n: 100_000 + i, t: d.t, src: d.src, dst: d.dst, payload, size: d.cut ? payload.length + 10 : payload.length };
        });
        const r = expectSound([...base, ...extra].sort((a, b) => a.t - b.t || a.n - b.n));
        if (extra.some((d) => d.src.port !== d.dst.port && d.src.port !== 40000 && d.dst.port !== 40000 && [0x18, 0x19, 0x1a, 0x1b].includes(d.payload[0]!))) expect(r.pairs).toHaveLength(1);
      }),
      { numRuns: 60 },
    );
  });

  it('the golden capture with friend-connection packets flipped, dropped, duplicated and moved: no throw', () => {
    const session = golden.filter((d) => SESSION_KINDS.includes(kindOf(d)));
    const op = fc.record({
      index: fc.nat(session.length - 1),
      kind: fc.constantFrom('flip', 'drop', 'duplicate', 'move'),
      byte: fc.nat(400),
      shift: fc.integer({ min: -20_000, max: 20_000 }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
        let list = [...golden];
        let next = Math.max(...golden.map((d) => d.n));
        for (const o of ops) {
          const target = session[o.index]!;
          const i = list.findIndex((d) => d.n === target.n);
          if (i < 0) continue;
          const d = list[i]!;
          if (o.kind === 'drop') list.splice(i, 1);
          else if (o.kind === 'duplicate') list.push({ ...d, n: ++next, t: d.t + Math.abs(o.shift) });
          else if (o.kind === 'move') list[i] = { ...d, t: Math.max(0, d.t + o.shift) };
          else {
            const payload = Uint8Array.from(d.payload);
            const at = o.byte % payload.length;
            payload[at] = payload[at]! ^ 0x5a;
            list[i] = { ...d, payload };
          }
        }
        list = list.sort((a, b) => a.t - b.t || a.n - b.n);
        expectSound(list);
      }),
      { numRuns: 40 },
    );
  });
});
