/**
 * Runs the shim probe (`native/shim-probe.c`) under the loopback shim, to prove the shim's bind
 * rewrite, loopback pass-through and drops.
 */
import { buildNative, run, type RunResult } from './native-build.js';


export interface ProbeResult {
  readonly ok: boolean;
  readonly bind4?: string;
  readonly bind6?: string;
  readonly loop?: boolean;
  readonly drop?: readonly { readonly call: string; readonly dest?: string; readonly rc: number; readonly errno: number; readonly counted: number }[];
  readonly dropped_total?: number;
  readonly step?: string;
  readonly error?: string;
  /** `--loss N` only: datagrams sent, received back, discarded by the shim, and the first 32 sequence numbers received. */
  readonly loss?: { readonly sent: number; readonly received: number; readonly rx_dropped: number; readonly first: readonly number[] };
}

/** True when `unshare -rn` (a private network namespace with only lo) works for this user. */
export async function netnsAvailable(): Promise<boolean> {
  return (await run('unshare', ['-rn', 'true'], undefined, 10_000)).ok;
}

/**
 * Runs native/shim-probe under the shim. With `netns`, it runs inside `unshare -rn` (no interface
 * but lo) and also tries IPv6 destinations. Returns the probe's JSON and raw output.
 */
export async function runShimProbe(opts: {
  netns: boolean;
  shimLog?: string;
  withShim?: boolean;
  /** Run the receive-loss probe instead (`--loss count`), with the shim's loss option and seed when given. */
  loss?: { count: number; permille?: number; seed?: number };
}): Promise<{ result: ProbeResult | undefined; run: RunResult }> {
  const build = await buildNative();
  const envArgs = [
    ...(opts.withShim === false ? [] : [`LD_PRELOAD=${build.shim}`]),
    ...(opts.shimLog !== undefined ? [`TOXSTATE_SHIM_LOG=${opts.shimLog}`] : []),
    ...(opts.loss?.permille !== undefined ? [`TOXSTATE_SHIM_DROP_RECV_PERMILLE=${opts.loss.permille}`] : []),
    ...(opts.loss?.seed !== undefined ? [`TOXSTATE_SHIM_SEED=${opts.loss.seed}`] : []),
  ];
  const probeArgs = opts.loss !== undefined ? ['--loss', String(opts.loss.count)] : opts.netns ? ['--netns', '--v6'] : [];
  const r = opts.netns
    ? await run('unshare', ['-rn', 'env', ...envArgs, build.probe, ...probeArgs], undefined, 20_000)
    : await run('env', [...envArgs, build.probe, ...probeArgs], undefined, 20_000);
  let result: ProbeResult | undefined;
  try {
    result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as ProbeResult;
  } catch {
    result = undefined;
  }
  return { result, run: r };
}
