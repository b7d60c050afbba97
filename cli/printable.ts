/**
 * Text from the network (names, status messages, messages) made safe for a terminal: control
 * characters — ESC sequences could move the cursor, retitle the window or hide lines — shown as
 * \u escapes. Only the readable output needs it; JSON escapes them already.
 */

// C0 and C1 controls and DEL, except the tab; bidirectional overrides and isolates.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
