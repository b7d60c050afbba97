/**
 * `toxstate sim`: what the sim-size benchmark does, for anyone asking "what if the network were
 * 10× bigger". Runs N toxstate engines on the simulated network (virtual clock, nothing leaves
 * the process) with P friend pairs for S virtual seconds (runtime/scenarios/sim-run.ts) and
 * prints a summary: wall and virtual time, datagrams, pairs connected and by when, heap.
 *
 * Progress goes to stderr: one line redrawn in place on a terminal (at most every 250 ms), plain
 * lines every 10 virtual seconds otherwise. Ctrl-C stops the run after the current slice and
 * still prints the summary, marked partial. The friend sessions modelled are c-toxcore's
 * (friend_connection.c, net_crypto.c); see runtime/scenarios/large-network.ts.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import type { SimProgress, SimSummary } from '../../runtime/scenarios/sim-run.js';

const USAGE = `Usage: toxstate sim [--nodes N] [--pairs P] [--seconds S] [--loss PCT] [--latency MS]
                    [--jitter MS] [--seed N] [--bootstrap B] [--json] [--quiet]

Simulates a Tox network of N toxstate engines in this process, on an in-memory network with a
virtual clock (no sockets): B bootstrap nodes, every other node bootstrapped to one of them, P
friend pairs among the other nodes befriended at virtual time 0. Runs S seconds of virtual time
and prints what happened: wall and virtual seconds, datagrams, pairs connected (Established on
both sides) and the virtual times by which half and all of the pairs first were, heap used.

Options:
  --nodes N       engines in the network (default 1000; at least 2)
  --pairs P       friend pairs (default N / 10, so 20% of the nodes have a friend; at most
                  half of the nodes that are not bootstrap nodes)
  --seconds S     virtual seconds to run (default 60; more than 0, at most 86400)
  --loss PCT      percentage of datagrams lost (default 0; 0 to 100)
  --latency MS    one-way latency of every datagram in ms (default 20)
  --jitter MS     extra uniform random latency in [0, MS) ms (default 10; reorders datagrams)
  --seed N        seed of the run (default 7000000, the benchmark's); the same options and seed
                  give the same datagrams and times
  --bootstrap B   bootstrap nodes (default min(8, N / 10))
  --json          print the summary as one JSON object
  --quiet         no progress lines
  -h, --help      show this help

Progress goes to stderr (redrawn in place on a terminal; a line every 10 virtual seconds
otherwise). Ctrl-C stops early and prints the summary so far, marked partial.

Memory and time grow with N (the sim-size benchmark: about 0.2 MB of heap per node after GC;
10,000 nodes for 60 s took some 2,600 CPU seconds); runs of 10,000 nodes and more want
NODE_OPTIONS=--max-old-space-size=16384.

Exit status: 0 when the simulation ran (whether or not every pair connected, and when stopped
with Ctrl-C); 2 on bad arguments.`;

/** A decimal number option (`--loss 2.5`), or fails naming it. */
function numberOption(value: string | undefined, name: string, whole: boolean): number | undefined {
  if (value === undefined) return undefined;
  const ok = whole ? /^\d+$/.test(value) : /^\d+(\.\d+)?$/.test(value);
  if (!ok) throw new CliError(`sim: --${name} must be a ${whole ? 'whole number' : 'number'} (0 or more), got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Makes `gc` available (as --expose-gc would) so the heap figure is measured after a collection. */
function exposeGc(): void {
  if ((globalThis as { gc?: unknown }).gc !== undefined) return;
  try {
    setFlagsFromString('--expose-gc');
    (globalThis as { gc?: unknown }).gc = runInNewContext('gc');
  } catch {
    // The heap figure is then what is in use, uncollected (the summary says so).
  }
}

const fmtS = (s: number | null): string => (s === null ? 'not reached' : `${s.toFixed(1)} s`);

export function summaryText(s: SimSummary): string {
  const lines = [
    `toxstate sim: ${s.nodes} nodes (${s.bootstrapNodes} bootstrap), ${s.pairs} friend pair${s.pairs === 1 ? '' : 's'}, loss ${s.lossPct}%, latency ${s.latencyMs} ms + jitter < ${s.jitterMs} ms, seed ${s.seed}`,
  ];
  if (s.partial) lines.push(`PARTIAL: stopped at ${s.virtualS} of ${s.seconds} virtual seconds`);
  lines.push(
    `  virtual time      ${s.virtualS} s`,
    `  wall time         ${s.wallS.toFixed(1)} s (setup ${s.setupS.toFixed(1)} s, CPU ${s.cpuS.toFixed(1)} s)`,
    `  datagrams         ${s.datagrams}`,
    `  pairs connected   ${s.pairsConnected} / ${s.pairs} at the end (${s.pairsEverConnected} ever)`,
    s.halfByS === null ? '  half connected    not reached' : `  half connected by ${fmtS(s.halfByS)} (virtual)`,
    s.allByS === null ? '  all connected     not reached' : `  all connected by  ${fmtS(s.allByS)} (virtual)`,
    `  heap              ${s.heapMb.toFixed(0)} MB${s.heapAfterGc ? ' (after GC)' : ' (not collected)'}`,
  );
  if (s.handlerErrors > 0) lines.push(`  handler errors    ${s.handlerErrors} (a bug: please report)`);
  return lines.join('\n');
}

const progressText = (p: SimProgress): string =>
  `sim: ${p.virtualS.toFixed(1)} / ${p.seconds} s virtual, ${p.wallS.toFixed(1)} s wall, ${p.pairsConnected}/${p.pairs} pairs connected, ${p.datagrams} datagrams, heap ${Math.round(p.heapMb)} MB`;

export const command: Command = {
  summary: 'simulate a network of N nodes and P friend pairs; print how fast they connect',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(
      argv,
      {
        nodes: { type: 'string' },
        pairs: { type: 'string' },
        seconds: { type: 'string' },
        loss: { type: 'string' },
        latency: { type: 'string' },
        jitter: { type: 'string' },
        seed: { type: 'string' },
        bootstrap: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      'sim',
    );
    const nodes = numberOption(values.nodes, 'nodes', true) ?? 1000;
    const { checkSimOptions, defaultBootstrap, runSimulation, SimOptionError } = await import('../../runtime/scenarios/sim-run.js');
    const bootstrap = numberOption(values.bootstrap, 'bootstrap', true);
    const defaultPairs = Math.max(0, Math.min(Math.floor(nodes / 10), Math.floor((nodes - (bootstrap ?? defaultBootstrap(nodes))) / 2)));
    const options = {
      nodes,
      pairs: numberOption(values.pairs, 'pairs', true) ?? defaultPairs,
      seconds: numberOption(values.seconds, 'seconds', false) ?? 60,
      lossPct: numberOption(values.loss, 'loss', false),
      latencyMs: numberOption(values.latency, 'latency', false),
      jitterMs: numberOption(values.jitter, 'jitter', false),
      seed: numberOption(values.seed, 'seed', true),
      bootstrap,
    };
    try {
      checkSimOptions(options);
    } catch (e) {
      // Each message starts with the option's name.
      if (e instanceof SimOptionError) throw new CliError(`sim: --${e.message}`);
      throw e;
    }

    exposeGc();
    const { loadCrypto } = await import('../../runtime/adapters/node-crypto.js');
    const crypto = await loadCrypto();
    const tty = process.stderr.isTTY === true;
    let lastDraw = 0;
    let nextLine = 10;
    let drawn = false;
    const onProgress = (p: SimProgress): void => {
      if (values.quiet) return;
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 250 && p.virtualS < p.seconds) return;
        lastDraw = now;
        // Cut to the terminal's width: a wrapped line could not be redrawn in place.
        const width = Math.max(20, (process.stderr.columns ?? 80) - 1);
        process.stderr.write(`\r\x1b[K${progressText(p).slice(0, width)}`);
        drawn = true;
      } else if (p.virtualS >= nextLine) {
        while (nextLine <= p.virtualS) nextLine += 10;
        process.stderr.write(`${progressText(p)}\n`);
      }
    };
    const stop = new AbortController();
    const onSigint = (): void => stop.abort();
    process.once('SIGINT', onSigint);
    let summary: SimSummary;
    try {
      summary = await runSimulation(crypto, options, onProgress, stop.signal);
    } finally {
      process.removeListener('SIGINT', onSigint);
      if (drawn) process.stderr.write('\r\x1b[K');
    }
    if (summary.partial && !values.quiet) process.stderr.write(`toxstate: sim: interrupted at ${summary.virtualS} of ${summary.seconds} virtual seconds; the summary is partial\n`);
    console.log(values.json ? JSON.stringify(summary) : summaryText(summary));
    return 0;
  },
};
