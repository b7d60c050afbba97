/**
 * Drives the real `toxstate node` process (node bin/toxstate.js node --json on 127.0.0.1) and
 * collects its JSON event lines: used by the CLI and interop tests, the kill -9 test and the
 * attack review's scenarios (harness/reliability/review/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EventWaits } from './event-waits.js';

const BIN = join(import.meta.dirname, '../bin/toxstate.js');

/** One line of `toxstate node --json`. */
export type NodeEvent = { readonly ev: string; readonly [k: string]: unknown };

/** A running `toxstate node --json --bind 127.0.0.1 --port 0 …` whose events are collected. */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly events: NodeEvent[];
  /** The first event (already seen or still to come) that `pred` accepts; rejects after `ms` naming `what`. */
  waitFor(pred: (e: NodeEvent) => boolean, ms: number, what?: string): Promise<NodeEvent>;
  /** Resolves once the process has exited (at once if it already has). */
  exited(): Promise<number | null>;
  /** SIGTERM (the node saves its profile on the way out), then its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the real `toxstate node` on 127.0.0.1 (or, with `bind: '::1'`, on ::1; never anywhere
 * else) with `--json`, and pushes the child onto `children` so the caller's afterAll can kill
 * whatever is left.
 */
export function startNodeProcess(args: readonly string[], children: ChildProcess[], opts: { readonly bind?: '127.0.0.1' | '::1' } = {}): NodeProcess {
  const child = spawn(process.execPath, [BIN, 'node', '--bind', opts.bind ?? '127.0.0.1', '--port', '0', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const waits = new EventWaits<NodeEvent>();
  const events = waits.events;
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let e: NodeEvent;
    try {
      e = JSON.parse(line) as NodeEvent;
    } catch {
      waits.push({ ev: 'not-json', line });
      return;
    }
    waits.push(e);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    events,
    waitFor: (pred, ms, what = 'matching event') =>
      waits.waitFor(pred, ms, () => `toxstate node: no ${what} within ${ms} ms; events: ${events.map((e) => e.ev).join(', ')}; stderr: ${stderr}`),
    exited: () => exit,
    stop: () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}
