/**
 * The package as a user gets it: `npm pack` builds dist/ (JavaScript + declarations), the
 * tarball installs into a fresh project, its types check, the `toxstate` bin runs, and the
 * echo bot from examples/ runs against it — a toxstate engine befriends the bot over UDP on
 * 127.0.0.1 and gets its message echoed back. The package stands alone: its LICENSE is shipped,
 * every source map carries the sources it names, every file the README links to is in it, the
 * installed help offers only commands that work there, and the Node types its declarations use
 * are declared (an optional peer dependency).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UdpNode } from '../../runtime/adapters/node-udp.js';
import { makeEngine } from '../runtime/helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'toxstate-pack-'));
const project = join(work, 'app');
let bot: ChildProcess | undefined;

beforeAll(() => {
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root, stdio: 'pipe', timeout: 480_000 });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no tarball');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // A TypeScript user on Node has @types/node; the declarations use Node's types.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball), '@types/node@20.19.8'], { cwd: project, stdio: 'pipe', timeout: 240_000 });
  copyFileSync(join(root, 'examples', 'echo-bot.mjs'), join(project, 'echo-bot.mjs'));
}, 900_000);

afterAll(() => {
  bot?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(dir, join(rel, d.name)) : [join(rel, d.name)]));
}

describe('the packed package stands alone', () => {
  const pkg = (): string => join(project, 'node_modules', 'toxstate');

  it('ships the MIT LICENSE its package.json names', () => {
    const manifest = JSON.parse(readFileSync(join(pkg(), 'package.json'), 'utf8')) as { license: string };
    expect(manifest.license).toBe('MIT');
    const license = readFileSync(join(pkg(), 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n/);
    expect(license).toMatch(/Permission is hereby granted, free of charge/);
  });

  it('every source map carries the sources it names (none points at a file that is not shipped)', () => {
    const maps = filesUnder(pkg()).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(pkg(), m), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null>; sourceRoot?: string };
      map.sources.forEach((src, i) => {
        const inline = typeof map.sourcesContent?.[i] === 'string' && map.sourcesContent[i]!.length > 0;
        if (!inline && !existsSync(resolve(dirname(join(pkg(), m)), map.sourceRoot ?? '', src))) missing.push(`${m} → ${src}`);
      });
    }
    expect(missing).toEqual([]);
  });

  it('every file the README links to or shows is shipped', () => {
    const readme = readFileSync(join(pkg(), 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)|src="([^"]+)"/g)].map((m) => (m[1] ?? m[2])!).filter((t) => !/^[a-z]+:|^#/.test(t));
    expect(targets.length).toBeGreaterThan(5);
    const broken = [...new Set(targets.map((t) => t.split('#')[0]!))].filter((t) => !existsSync(join(pkg(), t)));
    expect(broken).toEqual([]);
  });

  it('the installed help offers only commands that work installed (each one\'s --help runs; conformance, which needs a checkout, is not offered)', () => {
    const bin = join(project, 'node_modules', '.bin', 'toxstate');
    const help = execFileSync(bin, ['--help'], { encoding: 'utf8' });
    const offered = [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(offered).toContain('node');
    expect(offered).toContain('friends');
    expect(offered).not.toContain('conformance');
    // Asked for anyway (the README lists it), it says why it is not there.
    const conformance = spawnSync(bin, ['conformance'], { encoding: 'utf8', timeout: 30_000 });
    expect(conformance.status).toBe(2);
    expect(conformance.stderr).toBe("toxstate: conformance runs the project's own tests: it works in a source checkout only, not in the installed package\n");
    for (const name of offered) {
      const out = execFileSync(bin, [name, '--help'], { encoding: 'utf8', timeout: 30_000 });
      expect(out, name).toMatch(new RegExp(`^Usage: toxstate ${name}\\b`));
    }
  }, 120_000);

  it('declares @types/node (optional peer) because its declarations use Node\'s types', () => {
    const usesNode = filesUnder(join(pkg(), 'dist'))
      .filter((f) => f.endsWith('.d.ts'))
      .filter((f) => /\bNodeJS\.|from 'node:|reference types="node"/.test(readFileSync(join(pkg(), 'dist', f), 'utf8')));
    expect(usesNode).toContain(join('inspector', 'open-browser.d.ts'));
    const manifest = JSON.parse(readFileSync(join(pkg(), 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    expect(manifest.peerDependencies?.['@types/node']).toBeDefined();
    expect(manifest.peerDependenciesMeta?.['@types/node']?.optional).toBe(true);
  });
});

describe('the packed package', () => {
  it('ships JavaScript and type declarations, and its types check in a TypeScript project', () => {
    const files = readdirSync(join(project, 'node_modules', 'toxstate', 'dist'));
    expect(files).toContain('index.js');
    expect(files).toContain('index.d.ts');
    writeFileSync(
      join(project, 'check.ts'),
      `import { createEngine, machines, step, start, type ToxProgress, type AppEvent } from 'toxstate';
const p: ToxProgress = 'AcquiringCookie';
const s = start(machines.friendSession, { friendPk: 'aa', now: 0 });
const r = step(machines.friendSession, s.snapshot, { type: 'tick', now: 1 });
export async function f(): Promise<string> { const e = await createEngine({ seed: 1 }); const ev: AppEvent[] = e.takeEvents(); return p + String(r.taken) + ev.length; }
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['check.ts'] }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, stdio: 'pipe', timeout: 120_000 });
  }, 180_000);

  it('the toxstate bin runs from the installed package', () => {
    const out = execFileSync(join(project, 'node_modules', '.bin', 'toxstate'), ['--version'], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('the echo bot example runs against it: a friend request is accepted and a message comes back', async () => {
    bot = spawn(process.execPath, [join(project, 'echo-bot.mjs'), '--port', '0'], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Array<Record<string, unknown>> = [];
    const waitLine = (pred: (l: Record<string, unknown>) => boolean, ms: number): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const hit = lines.find(pred);
        if (hit) return resolve(hit);
        const timer = setTimeout(() => reject(new Error(`bot said: ${JSON.stringify(lines)}`)), ms);
        const rl = createInterface({ input: bot!.stdout! });
        rl.on('line', (line) => {
          const l = JSON.parse(line) as Record<string, unknown>;
          lines.push(l);
          if (pred(l)) {
            clearTimeout(timer);
            rl.close();
            resolve(l);
          }
        });
      });
    const ready = await waitLine((l) => l['ev'] === 'ready', 20_000);
    const me = await UdpNode.start(await makeEngine(4242), { bind: '127.0.0.1', port: 0 });
    try {
      const got: string[] = [];
      me.onEvent((e) => {
        if (e.type === 'friend_online') me.run((eng, now) => eng.sendMessage(now, e.friend, 'echo me', 'normal'));
        if (e.type === 'message') got.push(e.text);
      });
      me.run((eng, now) => {
        eng.bootstrap(now, { family: 'ipv4', ip: '127.0.0.1', port: Number(ready['port']) }, Buffer.from(String(ready['dhtpk']), 'hex'));
        eng.sendFriendRequest(now, String(ready['toxid']), 'hello bot');
      });
      const end = Date.now() + 30_000;
      while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual(['echo me']);
      expect(me.engine.counters.get('error.handler')).toBe(0);
    } finally {
      await me.close();
    }
  }, 60_000);
});
