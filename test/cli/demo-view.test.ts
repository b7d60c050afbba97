/**
 * The terminal demo's live view (cli/demo-view.ts): fed the story's timeline, it logs every
 * state change (skipped states named), the request sent / received / accepted, each message sent
 * and received, and its status block marks each side's six states done / current / skipped /
 * not yet with the time each was entered.
 */
import { describe, expect, it } from 'vitest';
import { DemoView, type TimelineLine } from '../../cli/demo-view.js';

const script = { request: 'be friends?', hello: 'Hello Alice!', reply: 'Hi Bob!' };

// The --once timeline of the default seed, as DemoStory writes it.
const timeline: TimelineLine[] = [
  { t: 0, who: 'Bob', what: 'AwaitingDHTKey' },
  { t: 620, who: 'Alice', what: 'friend request from Bob: “be friends?” — accepted' },
  { t: 620, who: 'Alice', what: 'AwaitingDHTKey' },
  { t: 620, who: 'Alice', what: 'AcquiringIPAddress' },
  { t: 670, who: 'Alice', what: 'AcquiringCookie' },
  { t: 720, who: 'Alice', what: 'AwaitingHandshake' },
  { t: 740, who: 'Bob', what: 'AwaitingSessionPacket' },
  { t: 760, who: 'Alice', what: 'AwaitingSessionPacket' },
  { t: 770, who: 'Alice', what: 'friend online' },
  { t: 770, who: 'Alice', what: 'Established' },
  { t: 780, who: 'Bob', what: 'friend online' },
  { t: 780, who: 'Bob', what: 'Established' },
  { t: 810, who: 'Alice', what: 'message: “Hello Alice!”' },
  { t: 830, who: 'Bob', what: 'message: “Hi Bob!”' },
  { t: 830, who: 'Bob', what: 'receipt for message 1' },
];

describe('the demo live view', () => {
  it('logs the whole story, every state change included, in order', () => {
    const v = new DemoView(script);
    const log = [...v.begin(0), ...timeline.flatMap((l) => v.add(l))];
    expect(log).toEqual([
      '[    0.00 s] Bob: friend request sent to Alice: “be friends?”',
      '[    0.00 s] Bob: Alice → AwaitingDHTKey',
      '[    0.62 s] Alice: friend request received from Bob: “be friends?”',
      "[    0.62 s] Alice: accepted Bob's request (added as a friend)",
      '[    0.62 s] Alice: Bob → AwaitingDHTKey',
      '[    0.62 s] Alice: Bob → AcquiringIPAddress',
      '[    0.67 s] Alice: Bob → AcquiringCookie',
      '[    0.72 s] Alice: Bob → AwaitingHandshake',
      "[    0.74 s] Bob: Alice → AwaitingSessionPacket  (skipped AcquiringIPAddress, AcquiringCookie, AwaitingHandshake: Alice's handshake arrived first)",
      '[    0.76 s] Alice: Bob → AwaitingSessionPacket',
      '[    0.77 s] Alice: Bob is online',
      '[    0.77 s] Alice: Bob → Established',
      '[    0.78 s] Bob: Alice is online',
      '[    0.78 s] Bob: message sent to Alice: “Hello Alice!”',
      '[    0.78 s] Bob: Alice → Established',
      '[    0.81 s] Alice: message received from Bob: “Hello Alice!”',
      '[    0.81 s] Alice: message sent to Bob: “Hi Bob!”',
      '[    0.83 s] Bob: message received from Alice: “Hi Bob!”',
      '[    0.83 s] Bob: message round trip complete',
      '[    0.83 s] Bob: Alice confirmed receiving message 1 (receipt)',
    ]);
  });

  it('marks each state done, current, skipped or not yet, with the time it was entered', () => {
    const v = new DemoView(script);
    expect(v.status(0, 'virtual')).toEqual([
      '               DHT key    IP address cookie     handshake  sess. pkt  Established',
      '  Alice → Bob  (not a friend yet)',
      '  Bob → Alice  (not a friend yet)',
      '  t = 0.0 s virtual · ✓ done ● current – skipped · not yet',
    ]);
    for (const l of timeline.slice(0, 7)) v.add(l);
    const mid = v.status(745, 'virtual', 'virtual clock paused');
    expect(mid[1]).toBe('  Alice → Bob  ✓ 0.62 s   ✓ 0.62 s   ✓ 0.67 s   ● 0.72 s   ·          ·');
    expect(mid[2]).toBe('  Bob → Alice  ✓ 0.00 s   – skipped  – skipped  – skipped  ● 0.74 s   ·');
    expect(mid[3]).toBe('  t = 0.7 s virtual · ✓ done ● current – skipped · not yet · virtual clock paused');
    for (const l of timeline.slice(7)) v.add(l);
    const end = v.status(830, 'virtual');
    expect(end[1]).toBe('  Alice → Bob  ✓ 0.62 s   ✓ 0.62 s   ✓ 0.67 s   ✓ 0.72 s   ✓ 0.76 s   ● 0.77 s');
    expect(end[2]).toBe('  Bob → Alice  ✓ 0.00 s   – skipped  – skipped  – skipped  ✓ 0.74 s   ● 0.78 s');
  });

  it('a session that falls back climbs again: the states above it are not yet again', () => {
    const v = new DemoView(script);
    for (const what of ['AwaitingDHTKey', 'AcquiringIPAddress', 'AcquiringCookie']) v.add({ t: 1000, who: 'Alice', what });
    expect(v.add({ t: 9000, who: 'Alice', what: 'AcquiringIPAddress' })).toEqual(['[    9.00 s] Alice: Bob → AcquiringIPAddress']);
    expect(v.status(9000, 'virtual')[1]).toBe('  Alice → Bob  ✓ 1.00 s   ● 9.00 s   ·          ·          ·          ·');
    v.add({ t: 9500, who: 'Alice', what: 'AcquiringCookie' });
    expect(v.status(9500, 'virtual')[1]).toBe('  Alice → Bob  ✓ 1.00 s   ✓ 9.00 s   ● 9.50 s   ·          ·          ·');
  });

  it('passes on a line it does not know as it is', () => {
    expect(new DemoView(script).add({ t: 1, who: 'Bob', what: 'something else' })).toEqual(['[    0.00 s] Bob: something else']);
  });
});
