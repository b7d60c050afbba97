/**
 * The terminal view of `toxstate demo` (cli/commands/demo.ts), pure text with no I/O: fed the
 * demo story's timeline (runtime/scenarios/demo-network.ts DemoStory, one line per application
 * event of Alice and Bob, in order), it gives
 *
 * - the event log: one plain line per thing that happened — the request sent, received and
 *   accepted, every state change of each side's session (skipped states named), online, each
 *   message sent and received, the receipt; appended, never redrawn;
 * - the status block: both sides' six session states (ToxProgress, then Established), each
 *   marked done / current / skipped / not yet, with the time it was last entered.
 *
 * Every state change comes from the timeline, never from sampling the current state: the
 * simulated clock can pass several states between two redraws.
 *
 * A state is skipped when the session climbs past it without entering it: a valid handshake
 * from the friend moves a session straight to AwaitingSessionPacket from any earlier step
 * (c-toxcore net_crypto.c: handle_packet_crypto_hs sets CRYPTO_CONN_NOT_CONFIRMED from cookie
 * requesting or handshake sent, and a handshake with no connection yet is accepted as a new one,
 * accept_crypto_connection, in the same status).
 */
import { FRIEND_SESSION_STATES, type FriendSessionState } from '../machines/index.js';

export type Side = 'Alice' | 'Bob';

/** One line of the story's timeline (runtime/scenarios/demo-network.ts StoryLine). */
export interface TimelineLine {
  /** Engine time, milliseconds (0 = the demo's start on the simulated network). */
  readonly t: number;
  readonly who: Side;
  readonly what: string;
}

/** What the story says and does (the demo's fixed script). */
export interface DemoScript {
  readonly request: string;
  readonly hello: string;
  readonly reply: string;
}

type Mark = 'done' | 'current' | 'skipped' | 'pending';

const MARK: Record<Mark, string> = { done: '✓', current: '●', skipped: '–', pending: '·' };
const SHORT: Record<FriendSessionState, string> = {
  AwaitingDHTKey: 'DHT key',
  AcquiringIPAddress: 'IP address',
  AcquiringCookie: 'cookie',
  AwaitingHandshake: 'handshake',
  AwaitingSessionPacket: 'sess. pkt',
  Established: 'Established',
};
const LABEL_WIDTH = 15;
const COLUMN_WIDTH = 11;

const other = (who: Side): Side => (who === 'Alice' ? 'Bob' : 'Alice');
const isState = (what: string): what is FriendSessionState => (FRIEND_SESSION_STATES as readonly string[]).includes(what);

/** Seconds, two decimals: `0.62 s`. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

class SideProgress {
  /** The time each state was last entered, or null (never, or reset when the session fell back). */
  readonly entered: Array<number | null> = FRIEND_SESSION_STATES.map(() => null);
  current = -1;

  enter(state: FriendSessionState, t: number): FriendSessionState[] {
    const i = FRIEND_SESSION_STATES.indexOf(state);
    const skipped = this.current >= 0 && i > this.current + 1 ? FRIEND_SESSION_STATES.slice(this.current + 1, i) : [];
    // Falling back (a stale address, the session ended): the states above are to be climbed again.
    if (i <= this.current) for (let j = i + 1; j < this.entered.length; j++) this.entered[j] = null;
    this.entered[i] = t;
    this.current = i;
    return [...skipped];
  }

  mark(i: number): Mark {
    if (i === this.current) return 'current';
    if (i > this.current) return 'pending';
    return this.entered[i] === null ? 'skipped' : 'done';
  }

  cell(i: number): string {
    const m = this.mark(i);
    const at = this.entered[i];
    const text = m === 'skipped' ? 'skipped' : m === 'pending' || at === null || at === undefined ? '' : seconds(at);
    return `${MARK[m]} ${text}`.trimEnd();
  }
}

export class DemoView {
  private readonly sides: Record<Side, SideProgress> = { Alice: new SideProgress(), Bob: new SideProgress() };

  constructor(private readonly script: DemoScript) {}

  /** The story's first act (DemoStory.begin('request')): Bob's request, before any event. */
  begin(t: number): string[] {
    return [this.line(t, 'Bob', `friend request sent to Alice: “${this.script.request}”`)];
  }

  /** The log lines for one timeline line (the state change itself, and what the story did on it). */
  add(l: TimelineLine): string[] {
    const { t, who, what } = l;
    const them = other(who);
    if (isState(what)) {
      const skipped = this.sides[who].enter(what, t);
      const why = skipped.length ? `  (skipped ${skipped.join(', ')}: ${them}'s handshake arrived first)` : '';
      return [this.line(t, who, `${them} → ${what}${why}`)];
    }
    const request = /^friend request from (\w+): “(.*)” — accepted$/s.exec(what);
    if (request) return [this.line(t, who, `friend request received from ${request[1]}: “${request[2]}”`), this.line(t, who, `accepted ${request[1]}'s request (added as a friend)`)];
    if (what === 'friend online') {
      const out = [this.line(t, who, `${them} is online`)];
      // DemoStory: Bob says hello as soon as Alice is online.
      if (who === 'Bob') out.push(this.line(t, who, `message sent to Alice: “${this.script.hello}”`));
      return out;
    }
    const message = /^message: “(.*)”$/s.exec(what);
    if (message) {
      const out = [this.line(t, who, `message received from ${them}: “${message[1]}”`)];
      // DemoStory: Alice answers Bob's hello; Bob's receipt of the answer completes the round trip.
      if (who === 'Alice' && message[1] === this.script.hello) out.push(this.line(t, who, `message sent to Bob: “${this.script.reply}”`));
      if (who === 'Bob' && message[1] === this.script.reply) out.push(this.line(t, who, 'message round trip complete'));
      return out;
    }
    const receipt = /^receipt for message (\d+)$/.exec(what);
    if (receipt) return [this.line(t, who, `${them} confirmed receiving message ${receipt[1]} (receipt)`)];
    return [this.line(t, who, what)];
  }

  /** One log line: `[    0.62 s] Alice: Bob → AcquiringIPAddress`. */
  line(t: number, who: Side, text: string): string {
    return `[${seconds(t).padStart(10)}] ${who}: ${text}`;
  }

  /**
   * The status block: a column per session state, a row per side (`Alice → Bob` is Alice's
   * session with Bob), and a line with the clock and `note` (e.g. that the clock is paused).
   */
  status(now: number, clock: string, note = ''): string[] {
    const head = ' '.repeat(LABEL_WIDTH) + FRIEND_SESSION_STATES.map((s) => SHORT[s].padEnd(COLUMN_WIDTH)).join('');
    const row = (who: Side): string => {
      const p = this.sides[who];
      const label = `  ${who} → ${other(who)}`.padEnd(LABEL_WIDTH);
      if (p.current < 0) return `${label}(not a friend yet)`;
      return label + FRIEND_SESSION_STATES.map((_, i) => p.cell(i).padEnd(COLUMN_WIDTH)).join('');
    };
    const legend = `  t = ${(now / 1000).toFixed(1)} s ${clock} · ✓ done ● current – skipped · not yet${note ? ` · ${note}` : ''}`;
    return [head.trimEnd(), row('Alice').trimEnd(), row('Bob').trimEnd(), legend];
  }
}
