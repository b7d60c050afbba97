/**
 * Runs one benchmark case in a child Node process: a fresh heap to measure, `--expose-gc` so
 * "heap used after GC" means something, and a larger heap limit for big simulations. The
 * benchmark file is the child's entry point; it calls `childCase()` at load time and, when it
 * is the child, measures and `reply()`s one JSON value.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FLAG = '--bench-child';
const MARK = '@@bench-result ';
const root = resolve(fileURLToPath(import.meta.url), '..', '..');

/** The case this process was started to run, when it is the child started for `fileUrl`. */
export function childCase<T>(fileUrl: string): T | null {
  if (process.argv[2] !== FLAG || process.argv[1] === undefined) return null;
  if (resolve(process.argv[1]) !== fileURLToPath(fileUrl)) return null;
  return JSON.parse(process.argv[3] ?? 'null') as T;
}

/** The child's answer. */
export function reply(value: unknown): void {
  process.stdout.write(`${MARK}${JSON.stringify(value)}\n`);
}

/** Heap used after a full collection (bytes); needs `--expose-gc` (the child has it). */
export function heapUsedAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** CPU time (user + system) of this process so far, in milliseconds. */
export function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

export interface ChildOptions {
  /** V8 old-space limit for the child. */
  readonly maxOldSpaceMb?: number;
  /** V8 young-generation semi-space size for the child (fewer scavenges for allocation-heavy runs). */
  readonly maxSemiSpaceMb?: number;
  /** Give up after this long (the case is reported as failed). */
  readonly timeoutMs?: number;
  /** Let the child's progress lines (stderr) through. */
  readonly progress?: boolean;
}

/** Runs `fileUrl` as a child with `payload`; returns its reply, or an Error describing the failure. */
export function runChild<T>(fileUrl: string, payload: unknown, opts: ChildOptions = {}): T | Error {
  const args = [
    '--expose-gc',
    `--max-old-space-size=${opts.maxOldSpaceMb ?? 4096}`,
    ...(opts.maxSemiSpaceMb ? [`--max-semi-space-size=${opts.maxSemiSpaceMb}`] : []),
    '--import',
    'tsx',
    fileURLToPath(fileUrl),
    FLAG,
    JSON.stringify(payload),
  ];
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 0,
    stdio: ['ignore', 'pipe', opts.progress ? 'inherit' : 'pipe'],
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  if (line !== undefined) return JSON.parse(line.slice(MARK.length)) as T;
  const why = r.error?.message ?? (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`);
  const tail = (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  return new Error(`${why}${tail ? `: ${tail}` : ''}`);
}
