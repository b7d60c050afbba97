/**
 * Opening the inspector in the user's browser, only where that can work: a desktop session
 * (DISPLAY or WAYLAND_DISPLAY set) with `xdg-open` on the PATH. Never fails: when it cannot
 * open a browser it says why, and the caller prints the URL either way.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

function onPath(command: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, command);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Whether a browser could be opened here, and if not, why. */
export function canOpenBrowser(env: NodeJS.ProcessEnv = process.env): { ok: true; command: string } | { ok: false; reason: string } {
  if (process.platform !== 'linux' && process.platform !== 'freebsd') return { ok: false, reason: `not supported on ${process.platform}` };
  if (!env['DISPLAY'] && !env['WAYLAND_DISPLAY']) return { ok: false, reason: 'no desktop (DISPLAY is not set)' };
  const command = onPath('xdg-open', env);
  if (!command) return { ok: false, reason: 'xdg-open is not installed' };
  return { ok: true, command };
}

/** Tries to open `url`; returns null when it started a browser, else the reason it did not. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const can = canOpenBrowser(env);
  if (!can.ok) return can.reason;
  try {
    const child = spawn(can.command, [url], { detached: true, stdio: 'ignore', env });
    child.on('error', () => undefined);
    child.unref();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
