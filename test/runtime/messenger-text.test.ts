/**
 * Text from the network is decoded within its length (runtime/messenger/text.ts): never more
 * UTF-8 bytes than arrived, exactly TextDecoder's text for well-formed UTF-8, and U+FFFD where
 * TextDecoder puts it whenever there is room ('?' otherwise).
 */
import { describe, expect, it } from 'vitest';
import { decodeUtf8WithinLength, utf8Length } from '../../runtime/messenger/text.js';
import { seededRandom } from '../../runtime/random.js';

const lenient = new TextDecoder('utf-8', { fatal: false });
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('decodeUtf8WithinLength', () => {
  it('600 bytes of 0xFF become 600 bytes of text, not 1,800', () => {
    const ff = new Uint8Array(600).fill(0xff);
    expect(utf8Length(lenient.decode(ff))).toBe(1_800);
    const text = decodeUtf8WithinLength(ff);
    expect(text).toBe('?'.repeat(600));
    expect(utf8Length(text)).toBe(600);
  });

  it('well-formed UTF-8 decodes exactly as TextDecoder does', () => {
    for (const s of ['', 'hello', 'hi alice ✓', 'hello from c-toxcore 🦊', 'ü'.repeat(686), '\u{10ffff}\u{800}\u{7ff}\u{80}']) {
      const b = new TextEncoder().encode(s);
      expect(decodeUtf8WithinLength(b)).toBe(s);
    }
  });

  it('U+FFFD for a 3-byte bad sequence, and for shorter ones once earlier ones saved the room', () => {
    // F0 9F 98 is a 4-byte sequence cut short (one bad subsequence of 3 bytes): U+FFFD fits.
    expect(decodeUtf8WithinLength(bytes(0xf0, 0x9f, 0x98, 0x41))).toBe('\ufffdA');
    // A lone continuation byte (1 byte): '?'.
    expect(decodeUtf8WithinLength(bytes(0x41, 0x80, 0x42))).toBe('A?B');
    // A 2-byte bad subsequence becomes '?' (1 byte saved); the next one then fits as U+FFFD (3 for
    // 2 + the saved 1); a lone 0xFF after that has no room left: '?'.
    expect(decodeUtf8WithinLength(bytes(0xe2, 0x82, 0x41, 0xe2, 0x82, 0x42, 0xff))).toBe('?A\ufffdB?');
    // Overlong and surrogate encodings are ill-formed as for TextDecoder.
    expect(decodeUtf8WithinLength(bytes(0xc0, 0xaf))).toBe('??');
    expect(decodeUtf8WithinLength(bytes(0xed, 0xa0, 0x80))).toBe('???');
  });

  it('on random bytes: never longer than the input, and the same places replaced as TextDecoder', () => {
    const r = seededRandom(1313);
    for (let i = 0; i < 3_000; i++) {
      const n = r.int(1_373);
      const b = r.bytes(n);
      // Mix in well-formed sequences so that both kinds meet.
      for (let k = 0; k + 4 < n; k += 1 + r.int(12)) {
        if (r.int(3) === 0) b.set(new TextEncoder().encode(['é', '✓', '🦊', 'a'][r.int(4)]!), k);
      }
      for (let k = 0; k < n; k++) if (b[k] === 0x3f) b[k] = 0x40; // no '?' of its own
      const text = decodeUtf8WithinLength(b);
      expect(utf8Length(text)).toBeLessThanOrEqual(n);
      expect(text.replaceAll('?', '\ufffd')).toBe(lenient.decode(b));
    }
  });
});
