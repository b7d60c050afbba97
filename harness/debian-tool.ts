/**
 * A Debian tool some test suites need (chromium for the browser tests, tcpdump for the capture
 * check): present, or installed with apt-get when running as root (DEBIAN_FRONTEND=noninteractive,
 * one `apt-get update` retry); otherwise the reason, for the suite's SKIPPED line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function ensureDebianTool(binary: string, pkg: string, timeoutMs = 480_000): string | null {
  if (existsSync(binary)) return null;
  if (process.getuid?.() !== 0) return `${binary} is missing and installing it needs root`;
  const apt = (args: string[]): boolean => spawnSync('apt-get', args, { stdio: 'ignore', timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!apt(['install', '-y', '-qq', pkg])) {
    apt(['update', '-qq']);
    apt(['install', '-y', '-qq', pkg]);
  }
  return existsSync(binary) ? null : `apt-get could not install ${pkg}`;
}
