/**
 * `toxstate node --inspect PORT`: the inspector over a running UDP node (read-only, live). The
 * URL printed on stderr (and opened) carries the run's access token in its fragment. A port that
 * cannot be served is a CliError; the caller (cli/node-runner.ts) closes the node and exits 2.
 */
import { liveTarget, openBrowser, startInspector } from '../inspector/index.js';
import type { UdpNode } from '../runtime/adapters/node-udp.js';
import { CliError, explainError } from './errors.js';

export async function startLiveInspector(node: UdpNode, opts: { port: number; open: boolean }): Promise<() => Promise<void>> {
  const target = liveTarget([{ name: node.engine.name || 'this node', engine: node.engine }], node.clock, 'toxstate node (live)');
  let running;
  try {
    running = await startInspector(target, { port: opts.port });
  } catch (e) {
    const inUse = typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EADDRINUSE';
    throw new CliError(`cannot serve the inspector on 127.0.0.1:${opts.port}: ${inUse ? 'the port is in use (choose another --inspect PORT)' : explainError(e)}`);
  }
  process.stderr.write(`inspector: ${running.url}\n`);
  if (opts.open) {
    const why = openBrowser(running.url);
    if (why) process.stderr.write(`inspector: not opening a browser (${why})\n`);
  }
  return () => running.close();
}
