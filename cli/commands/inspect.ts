/**
 * `toxstate inspect --pcap FILE --profile A.tox [--profile B.tox …] [--port N] [--no-open]
 * [--tolerance MS]`: a capture's reconstruction by the conformance monitor (the same front as
 * `toxstate check`: cli/commands/check.ts checkFile) opened in the visual inspector as a finished
 * recording (inspector/recording.ts): the capture is the timeline, each monitored step an entry;
 * each direction's friendSession chart shows its state and the transitions each step took;
 * violations and deviations are marked in the timeline and on the edge the model expected.
 *
 * The inspector listens on 127.0.0.1 only, with its per-run access token (inspector/access.ts),
 * and runs until Ctrl-C or SIGTERM. Exit 0 then; 2 on bad input (the same errors as `check`).
 */
import { DEFAULT_TOLERANCE_MS } from '../../conformance/monitor/check.js';
import { intOption, parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import { checkFile, MIN_TOLERANCE_MS, nothingToCheck } from './check.js';

const usage = `Usage: toxstate inspect --pcap FILE --profile FILE [--profile FILE]... [--port N] [--no-open] [--tolerance MS]

Opens a capture of Tox traffic in the visual inspector, as 'toxstate check' reconstructs it:
each side's friend session is a friendSession chart, the capture is the timeline (one entry per
packet the monitor handled, and per deadline that fired), and stepping or dragging the slider
moves every chart to that moment, highlighting the transitions the step took. Violations and
documented c-toxcore deviations are marked in the timeline and, where the model expected a
transition, on that edge of the chart; the details panel shows the step's inferred inputs,
the monitor's note and the finding (rule id, expected, observed). Starts at the first step.

  --pcap FILE        a pcap or pcapng capture (as for 'toxstate check')
  --profile FILE     a profile whose long-term key identifies its peer (repeatable; as for
                     'toxstate check': one side's profile is enough for both sides)
  --port N           serve the inspector on 127.0.0.1:N (default: any free port); its URL
                     carries a new access token each run (…/#token=…)
  --no-open          do not open a browser (the URL is printed either way)
  --tolerance MS     how early or late a packet may be against the model (default ${DEFAULT_TOLERANCE_MS}, at least ${MIN_TOLERANCE_MS}, as for 'toxstate check')
  -h, --help         show this help

Runs until Ctrl-C. Exit status: 0 when stopped; 2 on bad input: a missing or unreadable file,
not a capture, a truncated capture, a profile that does not load, or nothing to check.`;

export const command: Command = {
  summary: 'open a capture, as the conformance monitor reconstructs it, in the visual inspector',
  usage,
  async run(argv) {
    const { values } = parse(
      argv,
      { pcap: { type: 'string' }, profile: { type: 'string', multiple: true }, port: { type: 'string' }, 'no-open': { type: 'boolean' }, tolerance: { type: 'string' } },
      'inspect',
    );
    if (values.pcap === undefined) throw new CliError("inspect: --pcap FILE is required (see 'toxstate inspect --help')");
    const port = intOption(values.port, 'port', 0, 65535, 'inspect') ?? 0;
    const toleranceMs = intOption(values.tolerance, 'tolerance', MIN_TOLERANCE_MS, 60_000, 'inspect'); // as check
    const { report, notes, stopped } = await checkFile(values.pcap, values.profile ?? [], toleranceMs, 'inspect');
    if (stopped !== null) throw new CliError(`inspect: ${values.pcap} is truncated or corrupt: ${stopped}`);
    const empty = nothingToCheck(report, values.pcap);
    if (empty !== null) throw new CliError(`inspect: ${empty}`);

    const { recordingTarget } = await import('../../inspector/recording.js');
    const { startInspector } = await import('../../inspector/server.js');
    const { openBrowser } = await import('../../inspector/open-browser.js');
    const target = recordingTarget(report, values.pcap);
    let inspector;
    try {
      inspector = await startInspector(target, { port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`inspect: cannot serve the inspector on 127.0.0.1:${port}: ${code === 'EADDRINUSE' ? 'the port is in use' : (e as Error).message}`);
    }
    if (notes.length > 0) console.error(`toxstate: inspect: ${notes.join('; ')}`);
    const s = target.recording.summary;
    console.log(
      `toxstate inspect — ${values.pcap}: ${s.datagrams} UDP datagrams (${s.sessionDatagrams} friend-connection), ${s.pairs} pair${s.pairs === 1 ? '' : 's'}, ` +
        `${target.recording.entries.length} steps, ${s.violations} violation${s.violations === 1 ? '' : 's'}, ${s.deviations} deviation${s.deviations === 1 ? '' : 's'}` +
        (s.otherFindings > 0 ? ` (and ${s.otherFindings} finding${s.otherFindings === 1 ? '' : 's'} of other machines, not shown: see 'toxstate check')` : ''),
    );
    console.log(`inspector: ${inspector.url}`);
    if (!values['no-open']) {
      const why = openBrowser(inspector.url);
      if (why !== null) console.log(`(not opening a browser: ${why})`);
    }
    console.log('Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await inspector.close();
    return 0;
  },
};
