/**
 * cli/printable.ts: text from the network reaches the terminal without control characters —
 * an ESC sequence in a friend's name or message could otherwise move the cursor, retitle the
 * window or hide lines; bidirectional overrides could reorder what is shown.
 */
import { describe, expect, it } from 'vitest';
import { printable } from '../../cli/printable.js';

describe('printable', () => {
  it('shows C0/C1 controls, DEL and bidi overrides as \\u escapes', () => {
    expect(printable('\u001b[2J\u001b]0;owned\u0007')).toBe('\\u001b[2J\\u001b]0;owned\\u0007');
    expect(printable('a\nb\rc')).toBe('a\\u000ab\\u000dc');
    expect(printable('\u0000\u007f\u0085\u009f')).toBe('\\u0000\\u007f\\u0085\\u009f');
    expect(printable('abc\u202edef\u2066x\u2069')).toBe('abc\\u202edef\\u2066x\\u2069');
  });

  it('leaves ordinary text alone: tabs, accents, emoji, CJK', () => {
    for (const s of ['hello\tworld', 'Zoë — café ✓', '🙂 friends', '你好', '']) expect(printable(s)).toBe(s);
  });
});
