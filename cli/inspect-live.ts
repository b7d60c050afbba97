/**
 * `toxstate node --inspect PORT`: the inspector over a running UDP node (read-only, live). The
 * URL printed on stderr (and opened) carries the run's access token in its fragment.
 */
import { liveTarget, openBrowser, startInspector } from '../inspector/index.js';
import type { UdpNode } from '../runtime/adapters/node-udp.js';
import { CliError } from './errors.js';

export async function startLiveInspector(node: UdpNode, opts: { port: number; open: boolean }): Promise<() => Promise<void>> {
  const target = liveTarget([{ name: node.engine.name || 'this node', engine: node.engine }], node.clock, 'toxstate node (live)');
  let running;
  try {
    running = await startInspector(target, { port: opts.port });
  } catch (e) {
    throw new CliError(`cannot serve the inspector on 127.0.0.1:${opts.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.stderr.write(`inspector: ${running.url}\n`);
  if (opts.open) {
    const why = openBrowser(running.url);
    if (why) process.stderr.write(`inspector: not opening a browser (${why})\n`);
  }
  return () => running.close();
}
