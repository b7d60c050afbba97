/**
 * `toxstate node --interactive` (the default on a terminal): reads commands, one a line, while the
 * node runs — the way a chat client's input line drives tox_friend_send_message
 * (c-toxcore toxcore/tox.c tox_friend_send_message) and tox_friend_add:
 *
 *   /msg FRIEND TEXT   send TEXT to FRIEND (its key, a unique start of it, or its name)
 *   /add TOXID [MSG]   send a friend request
 *   /friends           list friends: key, name, online or not, policy
 *   /help              these commands
 *   /quit              stop the node (as Ctrl-C does)
 *   TEXT               send TEXT to the last friend we talked with or that came online
 *
 * Every answer is a line through `print` (JSON with --json). A line is at most 64 KiB; what does
 * not parse is a `console_error` line, never an exception.
 */
import { createInterface } from 'node:readline';
import { toHex } from '../protocol/bytes.js';
import { MAX_MESSAGE_LENGTH_BYTES } from '../protocol/messenger/index.js';
import { parseToxId } from '../protocol/tox-id.js';
import type { UdpNode } from '../runtime/adapters/node-udp.js';
import { printable } from './printable.js';

export const CONSOLE_HELP = '/msg FRIEND TEXT, /add TOXID [MESSAGE], /friends, /help, /quit; a line without / goes to the last friend';

/** Longest input line read (longer ones are refused whole). */
const MAX_LINE_CHARS = 64 * 1024;

export interface ConsoleOptions {
  readonly node: UdpNode;
  readonly input: NodeJS.ReadableStream;
  readonly print: (obj: Record<string, unknown>, human: string) => void;
  readonly seconds: () => number;
  /** /quit, or the end of input on a terminal (Ctrl-D). */
  readonly stop: () => void;
  /** Whether the end of the input stops the node (a terminal's Ctrl-D does; a pipe's end does not). */
  readonly stopAtEnd: boolean;
  /** Kept by the caller from the node's events, from its start (the console starts later). */
  readonly talk: Talk;
}

/** Who is online, and the friend plain lines go to (the last that messaged us or came online). */
export interface Talk {
  readonly online: Set<string>;
  last: string | null;
}

export interface NodeConsole {
  close(): void;
}

export function startConsole(o: ConsoleOptions): NodeConsole {
  const engine = o.node.engine;
  const { talk } = o;
  const short = (hex: string): string => `${hex.slice(0, 8)}…`;
  const say = (obj: Record<string, unknown>, human: string): void => o.print({ ...obj, t: o.seconds() }, human);
  const refuse = (why: string): void => say({ ev: 'console_error', message: why }, `! ${why}`);

  /** A friend by full key, a unique start of its key (4+ hex), or its exact name. */
  const findFriend = (word: string): string | string[] => {
    const all = [...engine.friends.all()];
    const lower = word.toLowerCase();
    const byKey = /^[0-9a-f]{4,64}$/.test(lower) ? all.filter((f) => f.pkHex.startsWith(lower)) : [];
    const found = byKey.length > 0 ? byKey : all.filter((f) => f.name !== '' && f.name === word);
    return found.length === 1 ? found[0]!.pkHex : found.map((f) => f.pkHex);
  };

  const send = (friend: string, text: string): void => {
    const bytes = new TextEncoder().encode(text).length;
    if (bytes === 0) return;
    if (bytes > MAX_MESSAGE_LENGTH_BYTES) return refuse(`message is ${bytes} bytes; at most ${MAX_MESSAGE_LENGTH_BYTES}`);
    const r = o.node.run((eng, now) => eng.sendMessage(now, friend, text, 'normal'));
    talk.last = friend;
    if (r.ok) say({ ev: 'sent', friend, id: r.id }, `> ${short(friend)}: ${text}`);
    else say({ ev: 'send_refused', friend, for: 'console', error: r.error, message: r.message }, `! not sent to ${short(friend)} (${r.error}): ${r.message}`);
  };

  const listFriends = (): void => {
    const all = [...engine.friends.all()];
    if (all.length === 0) say({ ev: 'friends', friends: [] }, 'no friends yet (/add TOXID MESSAGE)');
    const rows = all.map((f) => ({ pk: f.pkHex, name: f.name, online: talk.online.has(f.pkHex), status: f.status, policy: f.policy }));
    if (all.length > 0) say({ ev: 'friends', friends: rows }, rows.map((r) => `  ${r.pk} ${r.online ? 'online ' : 'offline'} ${r.status === 'confirmed' ? '' : `(${r.status}) `}${r.name === '' ? '(no name)' : printable(r.name)}${r.policy === 'TryingToConnect' ? '' : ` [${r.policy}]`}`).join('\n'));
  };

  const handle = (raw: string): void => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    if (line.length > MAX_LINE_CHARS) return refuse(`line of ${line.length} characters ignored (at most ${MAX_LINE_CHARS})`);
    if (!line.startsWith('/')) {
      if (talk.last === null) return refuse('no friend to talk to yet: /msg FRIEND TEXT');
      return send(talk.last, line);
    }
    const [cmd, ...rest] = line.split(' ');
    switch (cmd) {
      case '/msg': {
        // The text is the rest of the line as typed (its spaces kept).
        const m = /^\/msg +(\S+) (.*)$/.exec(line);
        if (m === null || m[2]!.trim() === '') return refuse('usage: /msg FRIEND TEXT');
        const who = m[1]!;
        const f = findFriend(who);
        if (typeof f !== 'string') return refuse(f.length === 0 ? `no friend ${JSON.stringify(who)} (/friends lists them)` : `${JSON.stringify(who)} names ${f.length} friends; give more of the key`);
        return send(f, m[2]!);
      }
      case '/add': {
        const [toxId, ...words] = rest;
        const id = parseToxId(toxId ?? '');
        if (!id.ok) return refuse(`usage: /add TOXID [MESSAGE] (${id.error})`);
        const message = words.length > 0 ? words.join(' ') : "Hi! I'd like to add you as a friend (toxstate).";
        try {
          o.node.run((eng, now) => eng.sendFriendRequest(now, toxId!, message));
        } catch (e) {
          return refuse(`/add: ${e instanceof Error ? e.message : String(e)}`);
        }
        const pk = toHex(id.value.publicKey);
        talk.last = pk;
        return say({ ev: 'request_sent', friend: pk }, `friend request sent to ${short(pk)}`);
      }
      case '/friends':
        return listFriends();
      case '/help':
        return say({ ev: 'help', text: CONSOLE_HELP }, CONSOLE_HELP);
      case '/quit':
        return o.stop();
      default:
        return refuse(`unknown command ${JSON.stringify(cmd)}: ${CONSOLE_HELP}`);
    }
  };

  const rl = createInterface({ input: o.input, crlfDelay: Infinity });
  rl.on('line', (line) => {
    try {
      handle(line);
    } catch (e) {
      // UdpNode.run already reported a command that threw (an `error` line); keep reading.
      refuse(e instanceof Error ? e.message : String(e));
    }
  });
  if (o.stopAtEnd) rl.on('close', o.stop);
  return {
    close: () => {
      rl.removeListener('close', o.stop);
      rl.close();
    },
  };
}
