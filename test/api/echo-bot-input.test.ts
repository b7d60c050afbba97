/**
 * examples/echo-bot.mjs given bad arguments, as a new user types them: one line on stderr naming
 * the problem and exit status 2, like the toxstate command — never a stack trace, and never a bot
 * silently listening on some other port (`--port abc` used to become a random port). Run from
 * this checkout's sources ('toxstate' resolved to index.ts through tsx), as test/api/examples.test.ts does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'toxstate-echo-bot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bot = join(work, 'echo-bot.mjs');
writeFileSync(bot, readFileSync(join(root, 'examples', 'echo-bot.mjs'), 'utf8').replaceAll("from 'toxstate'", `from ${JSON.stringify(join(root, 'index.ts'))}`));

function runBot(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), bot, ...args], { cwd: work, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples/echo-bot.mjs with bad arguments', () => {
  it.each([
    [['--port', 'abc'], /^echo-bot: --port must be a whole number from 0 to 65535, got "abc" \(usage: /],
    [['--port', '70000'], /^echo-bot: --port must be a whole number from 0 to 65535, got "70000" \(usage: /],
    [['--frobnicate'], /^echo-bot: Unknown option '--frobnicate'/],
    [['--bootstrap', '1.2.3'], /^echo-bot: bootstrap: node must be "IP:PORT:DHTKEY" .*got "1\.2\.3" \(usage: /],
  ])('%j: one line, exit 2', (args, pattern) => {
    const r = runBot(args);
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('--help prints the usage and exits 0', () => {
    const r = runBot(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('usage: node examples/echo-bot.mjs [--port N] [--bootstrap IP:PORT:DHTKEY]\n');
  });
});
