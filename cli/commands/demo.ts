/**
 * `toxstate demo`: the embedded default — a local network of toxstate nodes (DHT nodes, Alice
 * and Bob, who befriend each other), with the visual inspector.
 *
 * By default the network runs on the simulated network (virtual clock) and the inspector is
 * served on 127.0.0.1 (port 4242, or any free port when that one is taken; `--inspect PORT` to
 * choose, and then it must be free), where the page can Run, Pause and Step it. `--udp` runs
 * the same nodes over real UDP sockets on 127.0.0.1 instead (the inspector is read-only then).
 * `--once` runs without the inspector until Alice and Bob are connected (or 120 s of virtual
 * time pass) and exits 0 when they are, 1 when not.
 */
import { intOption, parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../main.js';

const DEFAULT_INSPECT_PORT = 4242;
const ONCE_LIMIT_MS = 120_000;

const usage = `Usage: toxstate demo [--inspect PORT] [--no-open] [--udp] [--once] [--seed N] [--extra-friends N]

Runs the embedded demo network: four DHT nodes, Alice and Bob (friends of each other), on
127.0.0.1 only. Progress lines are printed as friends move through their states.

Options:
  --inspect PORT       serve the inspector on 127.0.0.1:PORT (default ${DEFAULT_INSPECT_PORT}, or any free port)
  --no-open            do not open a browser (the URL is printed either way)
  --udp                real UDP sockets on 127.0.0.1 instead of the simulated network (live mode)
  --once               no inspector: run until Alice and Bob are connected (or ${ONCE_LIMIT_MS / 1000} s), then exit
  --seed N             seed of the simulated network and the demo identities (default 2026)
  --extra-friends N    give Alice N more friends with no node behind them (big friend lists)`;

export const command: Command = {
  summary: 'run a local demo network (Alice and Bob) with the visual inspector',
  usage,
  async run(argv) {
    const { values } = parse(
      argv,
      {
        inspect: { type: 'string' },
        'no-open': { type: 'boolean' },
        udp: { type: 'boolean' },
        once: { type: 'boolean' },
        seed: { type: 'string' },
        'extra-friends': { type: 'string' },
      },
      'demo',
    );
    const inspectPort = intOption(values.inspect, 'inspect', 0, 65535);
    const seed = intOption(values.seed, 'seed', 0, 2 ** 31 - 1);
    const extraFriends = intOption(values['extra-friends'], 'extra-friends', 0, 100_000);
    if (values.once && inspectPort !== undefined) throw new CliError('demo: --once runs without the inspector; drop --inspect');

    const { loadCrypto } = await import('../../protocol/crypto.js');
    const { simulatedDemo, udpDemo } = await import('../../inspector/demo.js');
    const crypto = await loadCrypto();
    const opts = { crypto, ...(seed !== undefined ? { seed } : {}), ...(extraFriends !== undefined ? { extraFriends } : {}) };
    const demo = values.udp ? await udpDemo(opts) : simulatedDemo(opts);
    const nodes = demo.target.nodes;
    const nameOf = (hex: string): string => nodes.find((n) => n.engine.selfHex === hex)?.name ?? `${hex.slice(0, 8)}…`;
    const extraShown = new Set(nodes.map((n) => n.engine.selfHex));
    const print = (node: string, e: { type: string; t: number; friend?: string; state?: string; reason?: string }): void => {
      const at = `[${(e.t / 1000).toFixed(3).padStart(9)} s]`;
      // With many extra friends only the demo's own people get progress lines.
      if (e.friend !== undefined && !extraShown.has(e.friend)) return;
      if (e.type === 'progress') console.log(`${at} ${node}: ${nameOf(e.friend!)} → ${e.state}`);
      else if (e.type === 'friend_online') console.log(`${at} ${node}: ${nameOf(e.friend!)} is online`);
      else if (e.type === 'friend_offline') console.log(`${at} ${node}: ${nameOf(e.friend!)} went offline (${e.reason ?? ''})`);
      else if (e.type === 'announced' && (node === 'Alice' || node === 'Bob')) console.log(`${at} ${node}: announced on the onion`);
    };
    const connected = (): boolean => {
      const alice = nodes.find((n) => n.name === 'Alice')!.engine;
      const bob = nodes.find((n) => n.name === 'Bob')!.engine;
      return alice.progressOf(bob.selfHex) === 'Established' && bob.progressOf(alice.selfHex) === 'Established';
    };

    if (demo.demo) {
      const sim = demo.demo.sim;
      for (const n of sim.nodes) for (const e of n.events) print(nodes[n.id]!.name, e);
      sim.onEvent((n, e) => print(nodes[n.id]!.name, e));
      if (values.once) {
        const ok = sim.runUntilTrue(connected, ONCE_LIMIT_MS);
        console.log(ok ? `Alice and Bob are connected after ${(sim.now / 1000).toFixed(3)} s (virtual time).` : `Alice and Bob did not connect within ${ONCE_LIMIT_MS / 1000} s.`);
        return ok ? 0 : 1;
      }
    } else {
      demo.udp.forEach((u, i) => u.onEvent((e) => print(nodes[i]!.name, e)));
      if (values.once) {
        const start = demo.target.now();
        const ok = await new Promise<boolean>((resolve) => {
          const timer = setInterval(() => {
            if (connected()) resolve(true);
            else if (demo.target.now() - start > ONCE_LIMIT_MS) resolve(false);
            else return;
            clearInterval(timer);
          }, 50);
        });
        await demo.close();
        console.log(ok ? 'Alice and Bob are connected (UDP on 127.0.0.1).' : `Alice and Bob did not connect within ${ONCE_LIMIT_MS / 1000} s.`);
        return ok ? 0 : 1;
      }
    }

    const { startInspector } = await import('../../inspector/server.js');
    const { openBrowser } = await import('../../inspector/open-browser.js');
    let inspector;
    try {
      inspector = await startInspector(demo.target, { port: inspectPort ?? DEFAULT_INSPECT_PORT });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (inspectPort !== undefined || code !== 'EADDRINUSE') {
        await demo.close();
        throw new CliError(`demo: cannot serve the inspector on 127.0.0.1:${inspectPort ?? DEFAULT_INSPECT_PORT}: ${code === 'EADDRINUSE' ? 'the port is in use' : (e as Error).message}`);
      }
      inspector = await startInspector(demo.target, { port: 0 });
    }
    console.log(`toxstate inspector: ${inspector.url}`);
    if (!values['no-open']) {
      const why = openBrowser(inspector.url);
      if (why !== null) console.log(`(not opening a browser: ${why})`);
    }
    if (inspector.model.control) inspector.model.control.run();
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await inspector.close();
    await demo.close();
    return 0;
  },
};
