/**
 * `toxstate demo` (and `npm start`): the embedded default — a local network of toxstate nodes
 * (DHT nodes, Alice and Bob) in which Bob sends Alice a friend request, she accepts, their
 * sessions walk the ToxProgress states to Established and they exchange a message.
 *
 * The terminal shows the story as it happens (cli/demo-view.ts): an event log (the request
 * sent and accepted, every state change of both sessions, online, each message sent and
 * received) and, on a terminal, a status block below it with both sides' six states, redrawn in
 * place only when it changed; piped, plain log lines only. Plus the inspector URL (with the
 * run's access token in its fragment, inspector/access.ts). By default the network is the simulated
 * one (virtual clock), which the inspector can Run, Pause and Step;
 * `--udp` runs the same nodes over real UDP on 127.0.0.1. It runs until Ctrl-C; `--once` exits
 * 0 after the message round trip and prints the timeline.
 */
import { intOption, parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import { DemoView } from '../demo-view.js';
import { DEMO_HELLO, DEMO_REPLY, DEMO_REQUEST_MESSAGE } from '../../runtime/scenarios/demo-network.js';

const DEFAULT_INSPECT_PORT = 4242;
const ONCE_LIMIT_MS = 120_000;

const usage = `Usage: toxstate demo [--once] [--udp] [--inspect PORT] [--no-open] [--seed N] [--extra-friends N]

Runs the embedded demo: four DHT nodes, Alice and Bob, on 127.0.0.1 only. Bob sends Alice a
friend request, she accepts, their sessions walk AwaitingDHTKey → … → Established, and they
exchange a message. Shows each friend's progress live and serves the visual inspector.

Options:
  --once               no inspector: run until the message round trip (or ${ONCE_LIMIT_MS / 1000} s), print the
                       timeline, exit 0 (1 if it did not complete)
  --udp                real UDP sockets on 127.0.0.1 instead of the simulated network
  --inspect PORT       serve the inspector on 127.0.0.1:PORT (default ${DEFAULT_INSPECT_PORT}, or any free port);
                       its URL carries a new access token each run (…/#token=…)
  --no-open            do not open a browser (the URL is printed either way)
  --seed N             seed of the simulated network and the demo identities (default 2026)
  --extra-friends N    give Alice N more friends with no node behind them (big friend lists)`;

export const command: Command = {
  summary: 'run the local demo network (Bob befriends Alice) with the visual inspector',
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
    const inspectPort = intOption(values.inspect, 'inspect', 0, 65535, 'demo');
    const seed = intOption(values.seed, 'seed', 0, 2 ** 31 - 1, 'demo');
    const extraFriends = intOption(values['extra-friends'], 'extra-friends', 0, 100_000, 'demo');
    if (values.once && inspectPort !== undefined) throw new CliError('demo: --once runs without the inspector; drop --inspect');

    const { loadCrypto } = await import('../../runtime/adapters/node-crypto.js');
    const { demoInspectorOptions, simulatedDemo, udpDemo } = await import('../../inspector/demo.js');
    const crypto = await loadCrypto();
    const opts = { crypto, ...(seed !== undefined ? { seed } : {}), ...(extraFriends !== undefined ? { extraFriends } : {}) };
    const demo = values.udp ? await udpDemo(opts) : simulatedDemo(opts);
    const now = (): number => demo.target.now();
    const tty = process.stdout.isTTY === true && !values.once;
    const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    // The live view (cli/demo-view.ts): an event log appended above a status block that is
    // redrawn in place on a terminal (only when its text changed); plain log lines when piped.
    const newView = (): DemoView => new DemoView({ request: DEMO_REQUEST_MESSAGE, hello: DEMO_HELLO, reply: DEMO_REPLY });
    let view = newView();
    const clockName = demo.demo ? 'virtual' : 'since start';
    let control = (): { readonly running: boolean } | null => null;
    let drawn: string[] = [];
    const paint = (log: readonly string[]): void => {
      if (values.once) return;
      if (!tty) {
        for (const l of log) console.log(l);
        return;
      }
      const note = control()?.running === false ? 'virtual clock paused (the inspector page runs it)' : '';
      const block = view.status(now(), clockName, note);
      // Only what changed is written: the lines from the first that differs (usually the clock
      // line alone), or the new log lines and the whole block. The cursor moves up to the first
      // line rewritten and each line is cleared as it is written over (no screen clear); the log
      // scrolls away above the block naturally.
      let from = log.length ? 0 : block.findIndex((l, i) => l !== drawn[i]);
      if (from < 0) return;
      if (drawn.length === 0) from = 0;
      const up = drawn.length - from ? `\x1b[${drawn.length - from}A\r` : '';
      process.stdout.write(up + [...log, ...block.slice(from)].map((l) => `\x1b[2K${l}\n`).join(''));
      drawn = block;
    };

    console.log(`toxstate demo — ${values.udp ? 'real UDP sockets on 127.0.0.1' : 'simulated network, virtual clock'}; Bob sends Alice a friend request`);
    // Every line of the story's timeline (fed by both users' events) in order: no state is lost
    // however far the clock moved since the last look.
    let story = demo.story;
    let shown = 0;
    const pending: string[] = view.begin(0);
    let wasRunning: boolean | null = null;
    const follow = (): void => {
      // The inspector's Restart builds a new network and story from the same seed at t = 0.
      if (demo.story !== story) {
        story = demo.story;
        shown = 0;
        view = newView();
        pending.push('[    0.00 s] restarted from the same seed', ...view.begin(0));
      }
      for (; shown < story.timeline.length; shown++) pending.push(...view.add(story.timeline[shown]!));
      // The virtual clock's Run / Pause (the inspector's), said once per change.
      const running = control()?.running ?? null;
      if (running !== null && running !== wasRunning) {
        pending.push(`[${secs(now()).padStart(10)}] ${running ? 'virtual clock running' : 'virtual clock paused: Run it in the inspector page (the first page to open starts it)'}`);
        wasRunning = running;
      }
      paint(pending.splice(0));
    };

    if (values.once) {
      let ok: boolean;
      if (demo.demo) ok = demo.demo.sim.runUntilTrue(() => story.done, ONCE_LIMIT_MS);
      else {
        const start = now();
        ok = await new Promise<boolean>((resolve) => {
          const timer = setInterval(() => {
            if (story.done || now() - start > ONCE_LIMIT_MS) {
              clearInterval(timer);
              resolve(story.done);
            }
          }, 20);
        });
      }
      follow();
      await demo.close();
      console.log('');
      console.log('Timeline:');
      for (const l of story.timeline) console.log(`  ${secs(l.t).padStart(10)}  ${l.who.padEnd(5)}  ${l.what}`);
      console.log('');
      console.log(ok ? `Message round trip complete after ${secs(now())}${demo.demo ? ' of virtual time' : ''}.` : `The demo did not complete within ${ONCE_LIMIT_MS / 1000} s.`);
      return ok ? 0 : 1;
    }

    const { startInspector } = await import('../../inspector/server.js');
    const { openBrowser } = await import('../../inspector/open-browser.js');
    let inspector;
    try {
      inspector = await startInspector(demo.target, { port: inspectPort ?? DEFAULT_INSPECT_PORT, ...demoInspectorOptions(demo) });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (inspectPort !== undefined || code !== 'EADDRINUSE') {
        await demo.close();
        throw new CliError(`demo: cannot serve the inspector on 127.0.0.1:${inspectPort ?? DEFAULT_INSPECT_PORT}: ${code === 'EADDRINUSE' ? 'the port is in use' : (e as Error).message}`);
      }
      inspector = await startInspector(demo.target, { port: 0, ...demoInspectorOptions(demo) });
    }
    console.log(`inspector: ${inspector.url}${demo.demo ? '  (Run, Pause and Step the virtual clock there)' : ''}`);
    // The simulated clock stays at t = 0 until the page connects (inspector/demo.ts
    // demoInspectorOptions) — unless no browser can be opened here (no desktop): then no page
    // would ever come and the terminal would show a clock paused for good, so it runs at once
    // (the page, opened later, can Restart from t = 0). --no-open keeps waiting for the page.
    let runNow = false;
    if (!values['no-open']) {
      const why = openBrowser(inspector.url);
      runNow = why !== null && demo.demo !== null;
      if (why !== null) console.log(`(not opening a browser: ${why}${runNow ? '; the virtual clock runs now, and the page can Restart it from 0 s' : ''})`);
    }
    console.log('Ctrl-C to stop.');
    const served = inspector;
    control = () => served.model.control ?? null; // the terminal view shows whether the clock runs
    if (runNow) served.model.control?.run();
    follow();
    const ticker = setInterval(follow, 100);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    clearInterval(ticker);
    await inspector.close();
    await demo.close();
    return 0;
  },
};
