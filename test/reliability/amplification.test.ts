/**
 * Amplification, measured (harness/reliability/amplification.ts): what toxstate sends back to the
 * source of each unauthenticated request, and what it forwards elsewhere. The decision
 * (docs/reliability.md): answers to a spoofable source are never larger than the request except
 * where interoperation needs it, and then within a budget — a nodes answer to an unverified
 * source carries 4 nodes only within a node-wide budget and 1 node (+8 B) beyond; unknown askers
 * are asked back at most 32 per 2 s; a cookie goes only to a request naming a friend (+16 B,
 * fixed by the protocol, per-source guard); an announce answer to a request without a valid
 * ping_id carries 4 nodes only within a node-wide budget, then no more than fit in the
 * request's size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { measureAmplification, type AmplificationRow } from '../../harness/reliability/amplification.js';

let rows: AmplificationRow[];
const row = (prefix: string): AmplificationRow => {
  const r = rows.find((x) => x.request.startsWith(prefix));
  if (!r) throw new Error(`no row ${prefix}`);
  return r;
};

beforeAll(async () => {
  rows = measureAmplification(await loadCrypto());
});

describe('amplification: every unauthenticated request/response pair', () => {
  it('ping: the answer is as large as the request (82 = 82); the first contact also gets one budgeted request back', () => {
    const r = row('ping request');
    expect(r.requestBytes).toBe(82);
    expect(r.response).toBe('ping response 82 + nodes request (ours, back) 113');
  });

  it('nodes request: 4 nodes (238 B) within the budget for unverified sources, then 1 node (121 B for 113 B)', () => {
    expect(row('nodes request, unverified source (budget left)').response).toBe('nodes response 238 + nodes request (ours, back) 113');
    const spent = row('nodes request, unverified source (budget spent)');
    expect(spent.requestBytes).toBe(113);
    expect(spent.response).toBe('nodes response 121');
    expect(spent.ratio).toBeCloseTo(1.07, 2);
  });

  it('cookie request: a stranger gets nothing; a request naming a friend gets the 161-byte cookie (+16 B)', () => {
    expect(row('cookie request from a stranger').responseBytes).toBe(0);
    const f = row('cookie request naming a friend');
    expect(f.requestBytes).toBe(145);
    expect(f.responseBytes).toBe(161);
  });

  it('announce request without a valid ping_id: 416 B for 354 B within the budget, then no larger than the request', () => {
    const a = row('announce request 0x83, no valid ping_id (budget left)');
    expect(a.requestBytes).toBe(354);
    expect(a.responseBytes).toBe(416);
    const spent = row('announce request 0x83, no valid ping_id (budget spent)');
    expect(spent.responseBytes).toBe(338);
    expect(spent.responseBytes).toBeLessThanOrEqual(spent.requestBytes);
  });

  it('relayed and routed packets go only where the packet says, never back, and never grow', () => {
    const onion = row('onion request 0x80');
    expect(onion.responseBytes).toBe(0);
    expect(onion.forwarded).toBe(`onion request 1 ${onion.requestBytes - 8}`);
    const routed = row('DHT request 0x20 for a close-list node');
    expect(routed.responseBytes).toBe(0);
    expect(routed.forwarded).toBe(`DHT request ${routed.requestBytes}`);
  });

  it('everything else unauthenticated gets nothing back', () => {
    for (const p of ['handshake', 'crypto data', 'cookie response', 'onion request 0x81', 'onion response 0x8c', 'onion data request', 'DHT request 0x20 DHT-PK', 'LAN discovery']) {
      const r = row(p);
      expect(r.responseBytes, p).toBe(0);
      expect(r.forwarded, p).toBe('—');
    }
  });

  it('only these answers exceed their request, each within a bound named in docs/reliability.md', () => {
    const larger = rows.filter((r) => r.responseBytes > r.requestBytes).map((r) => r.request);
    expect(larger).toEqual([
      'ping request',
      'nodes request, unverified source (budget left)',
      'nodes request, unverified source (budget spent)',
      'cookie request naming a friend',
      'announce request 0x83, no valid ping_id (budget left)',
    ]);
  });
});
