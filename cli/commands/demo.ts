/** `toxstate demo`: the embedded default — a local network of toxstate nodes (placeholder until the runtime lands). */
import type { Command } from '../main.js';

export const command: Command = {
  summary: 'run a local demo network (Alice and Bob) on loopback',
  usage: 'Usage: toxstate demo\n\nRuns the embedded demo network. (The runtime is not built yet: this prints the state core.)',
  async run() {
    const { machineSpecs, TOX_PROGRESS } = await import('../../machines/index.js');
    console.log('toxstate: the networked demo arrives with the runtime. The verified state core is ready:');
    for (const spec of Object.values(machineSpecs)) console.log(`  ${spec.name}`);
    console.log(`  ToxProgress: ${TOX_PROGRESS.join(' → ')} → Established`);
    return 0;
  },
};
