/**
 * Text from the network (message, action, nickname, status message, friend request message):
 * bytes that are UTF-8 by convention only (docs/protocol.md §6.2; c-toxcore checks nothing).
 *
 * `decodeUtf8WithinLength` decodes them so that the text never needs more bytes than arrived:
 * a peer's 600 bytes of 0xFF decoded the usual way (one U+FFFD, 3 bytes in UTF-8, per bad byte)
 * became 1,800 bytes — over the 1,372-byte message limit, so echoing it failed, and a 128-byte
 * name no longer fitted its 128-byte profile field. Well-formed UTF-8 decodes exactly as
 * TextDecoder does; each maximal ill-formed subsequence (the WHATWG Encoding standard's rule,
 * the same places TextDecoder puts U+FFFD) becomes U+FFFD when the text stays within the length
 * received — bad sequences of 3 bytes always, shorter ones when earlier ones saved the room —
 * and '?' otherwise. So `utf8Length(decodeUtf8WithinLength(b)) <= b.length`, always.
 *
 * Applications that need the exact bytes get them too (the `message` event's `bytes`).
 */
import type { Bytes } from '../../protocol/bytes.js';

const strict = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** The number of UTF-8 bytes of `text` (lone surrogates count as U+FFFD, as TextEncoder writes them). */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** Decodes `bytes` as UTF-8 into text whose UTF-8 is never longer than `bytes` (see the header). */
export function decodeUtf8WithinLength(bytes: Bytes): string {
  try {
    return strict.decode(bytes);
  } catch {
    // Ill-formed: decode by hand below.
  }
  const out: number[] = [];
  // Bytes saved so far by replacing with '?' (1 byte) instead of U+FFFD (3 bytes).
  let credit = 0;
  const replace = (badLength: number): void => {
    if (credit + badLength - 3 >= 0) {
      out.push(0xfffd);
      credit += badLength - 3;
    } else {
      out.push(0x3f);
      credit += badLength - 1;
    }
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let needed: number;
    let cp: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b <= 0x7f) {
      out.push(b);
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      needed = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
      needed = 2;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
      needed = 3;
      cp = b & 0x07;
    } else {
      replace(1);
      i++;
      continue;
    }
    let seen = 0;
    let j = i + 1;
    while (seen < needed && j < bytes.length) {
      const c = bytes[j]!;
      if (c < lower || c > upper) break;
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (c & 0x3f);
      seen++;
      j++;
    }
    if (seen === needed) out.push(cp);
    // The lead byte and the continuation bytes that fitted form one ill-formed subsequence; the
    // byte that did not fit starts over.
    else replace(1 + seen);
    i = j;
  }
  let text = '';
  for (let k = 0; k < out.length; k += 4096) text += String.fromCodePoint(...out.slice(k, k + 4096));
  return text;
}
