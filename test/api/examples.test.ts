/**
 * The README's Embedding API code is real code: every ```js / ```ts block of that section is
 * (word for word, once dedented) a file in examples/ or part of one, and every example runs —
 * against this checkout's sources ('toxstate' resolved to index.ts through tsx) on 127.0.0.1:
 * the README's echo bot and examples/echo-bot.mjs are befriended by a toxstate engine that gets
 * its message echoed back; examples/check-capture.mjs checks the c-toxcore golden capture.
 * (test/package/pack.test.ts runs examples/echo-bot.mjs against the packed package.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import { makeEngine } from '../runtime/helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const examples = join(root, 'examples');
const work = mkdtempSync(join(tmpdir(), 'toxstate-examples-'));
const tsx = import.meta.resolve('tsx');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** The code blocks (js, ts) of the README's "## Embedding API" section, dedented. */
function readmeBlocks(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Embedding API\n'));
  if (!section) throw new Error('README has no "## Embedding API" section');
  return [...section.matchAll(/^( *)```(?:js|ts|mjs)\n([\s\S]*?)^\1```$/gm)].map((m) =>
    m[2]!
      .split('\n')
      .map((l) => l.slice(Math.min(m[1]!.length, l.length - l.trimStart().length)))
      .join('\n'),
  );
}

/** An example as it runs from this checkout: the same file with 'toxstate' pointing at index.ts. */
function localCopy(name: string): string {
  const text = readFileSync(join(examples, name), 'utf8');
  expect(text).toContain("from 'toxstate'");
  const file = join(work, name);
  writeFileSync(file, text.replaceAll("from 'toxstate'", `from ${JSON.stringify(join(root, 'index.ts'))}`));
  return file;
}

function run(name: string, args: string[]): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const child = spawn(process.execPath, ['--import', tsx, localCopy(name), ...args], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

async function lineMatching(lines: AsyncIterableIterator<string>, re: RegExp): Promise<RegExpExecArray> {
  for (let l = await lines.next(); !l.done; l = await lines.next()) {
    const m = re.exec(l.value);
    if (m) return m;
  }
  throw new Error(`no line matched ${re}`);
}

/** A toxstate engine befriends the bot at `bootstrap` with `toxId`, says something, and returns what comes back. */
async function echoed(bootstrap: string, toxId: string): Promise<string[]> {
  const me = await UdpNode.start(await makeEngine(4343), { bind: '127.0.0.1', port: 0 });
  try {
    const got: string[] = [];
    me.onEvent((e) => {
      if (e.type === 'friend_online') me.run((eng, now) => eng.sendMessage(now, e.friend, 'echo me ✓', 'normal'));
      if (e.type === 'message') got.push(e.text);
    });
    me.run((eng, now) => {
      eng.bootstrap(now, bootstrap);
      eng.sendFriendRequest(now, toxId, 'hello bot');
    });
    const end = Date.now() + 30_000;
    while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return got;
  } finally {
    await me.close();
  }
}

describe('the README embedding examples', () => {
  it('every js/ts block of the Embedding API section is in a file under examples/', () => {
    const blocks = readmeBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const files = readdirSync(examples).filter((f) => /\.(mjs|js|ts)$/.test(f)).map((f) => readFileSync(join(examples, f), 'utf8'));
    for (const block of blocks) expect(files.some((f) => f.includes(block.trim())), `README block not in examples/:\n${block}`).toBe(true);
  });

  it("the README's echo bot (examples/readme-echo.mjs) echoes a friend's message over UDP on 127.0.0.1", async () => {
    const { child, lines } = run('readme-echo.mjs', []);
    const m = await lineMatching(lines, /^Tox ID ([0-9A-F]{76})  bootstrap: (127\.0\.0\.1:\d+:[0-9a-f]{64})$/);
    expect(await echoed(m[2]!, m[1]!)).toEqual(['echo me ✓']);
    child.kill('SIGINT');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
  }, 60_000);

  it('examples/echo-bot.mjs (options, JSON lines) echoes too, and joins a node given as --bootstrap IP:PORT:DHTKEY', async () => {
    const a = run('readme-echo.mjs', []);
    const first = await lineMatching(a.lines, /bootstrap: (\S+)$/);
    const { lines } = run('echo-bot.mjs', ['--bootstrap', first[1]!]);
    const ready = JSON.parse((await lineMatching(lines, /^\{"ev":"ready"/)).input) as { toxid: string; dhtpk: string; port: number };
    // Its only way into the DHT before anyone else talks to it is the node it was given.
    await lineMatching(lines, /^\{"type":"dht_connected"/);
    expect(await echoed(`127.0.0.1:${ready.port}:${ready.dhtpk}`, ready.toxid)).toEqual(['echo me ✓']);
  }, 60_000);

  it('examples/check-capture.mjs checks a capture against the statecharts', () => {
    copyFileSync(join(root, 'test/fixtures/captures/ctoxcore-0.2.18-alice.tox'), join(work, 'alice.tox'));
    copyFileSync(join(root, 'test/fixtures/captures/ctoxcore-0.2.18-loopback.pcap'), join(work, 'session.pcap'));
    const r = spawnSync(process.execPath, ['--import', tsx, localCopy('check-capture.mjs')], { cwd: work, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const walks = r.stdout.split('\n').filter((l) => / → [0-9A-F]{64}: /.test(l));
    expect(walks).toHaveLength(2);
    for (const w of walks) expect(w).toMatch(/: AwaitingDHTKey → .*Established/);
  }, 60_000);
});
