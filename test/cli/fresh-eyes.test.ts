/**
 * What a new user meets first, through the real `toxstate` command (issue 19's last item: the
 * same kind of friction elsewhere). `npm start` on a machine without a desktop: no browser can
 * open, so no inspector page would ever start the demo's virtual clock — it must run at once.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { toxstate } from './run.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;

/** The environment of a machine without a desktop (no DISPLAY, no WAYLAND_DISPLAY). */
function headless(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  return env;
}

describe('toxstate demo without a desktop', () => {
  it('says no browser opens and runs the virtual clock at once: the story reaches the reply without any page', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--inspect', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: headless() });
    let out = '';
    try {
      const reached = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 60_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (/Bob: message received from Alice: “Hi Bob! Your message arrived\.”/.test(out)) {
            clearTimeout(timer);
            resolve(true);
          }
        });
      });
      expect(reached, out).toBe(true);
      expect(out).toMatch(/\(not opening a browser: no desktop \(DISPLAY is not set\); the virtual clock runs now/);
      expect(out).toMatch(/\] virtual clock running/);
      expect(out).not.toMatch(/virtual clock paused/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))).toBe(0);
  }, 90_000);

  it('--help and the command list tell the story the demo tells: Bob befriends Alice', () => {
    const list = toxstate(['--help']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/demo\s+run the local demo network \(Bob befriends Alice\)/);
  });
});
