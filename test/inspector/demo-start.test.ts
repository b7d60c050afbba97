/**
 * The demo as `toxstate demo` serves it (inspector/demo.ts demoInspectorOptions): the simulated
 * clock waits at t = 0 until the first page connects to the change stream, then runs; Restart
 * (POST /api/sim/restart, token-checked like every command) rebuilds the network from the same
 * seed, paused at t = 0, with a fresh history and a new epoch for the pages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { demoInspectorOptions, simulatedDemo } from '../../inspector/demo.js';
import type { Info } from '../../inspector/model.js';
import { startInspector, type RunningInspector } from '../../inspector/server.js';
import { liveTarget } from '../../inspector/target.js';
import { testCrypto } from './helpers.js';

const open: RunningInspector[] = [];
afterEach(async () => {
  for (const i of open.splice(0)) await i.close();
});

const headers = (ins: RunningInspector, json = false): Record<string, string> => ({
  authorization: `Bearer ${ins.token}`,
  ...(json ? { 'content-type': 'application/json' } : {}),
});
type EpochInfo = Info & { epoch: number; restartable: boolean };
const info = async (ins: RunningInspector): Promise<EpochInfo> => (await (await fetch(new URL('/api/info', ins.origin), { headers: headers(ins) })).json()) as EpochInfo;
const post = (ins: RunningInspector, path: string, h = headers(ins, true)): Promise<Response> => fetch(new URL(path, ins.origin), { method: 'POST', headers: h, body: '{}' });

/** A page's change stream; resolves once open. */
function watch(ins: RunningInspector): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${ins.port}/ws?token=${ins.token}`, { headers: { origin: ins.origin } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('the demo under the inspector', () => {
  it('waits paused at t = 0 until the first page connects, then runs', async () => {
    const demo = simulatedDemo({ crypto: await testCrypto(), seed: 2026 });
    const ins = await startInspector(demo.target, { port: 0, ...demoInspectorOptions(demo) });
    open.push(ins);
    // API calls (a page loading) do not start it: only a page's stream does.
    const before = await info(ins);
    expect(before.sim).toMatchObject({ running: false, now: 0 });
    expect(demo.demo!.sim.now).toBe(0);
    expect(ins.model.control!.running).toBe(false);
    const ws = await watch(ins);
    await expect.poll(() => ins.model.control!.running).toBe(true);
    await expect.poll(() => demo.demo!.sim.now).toBeGreaterThan(0);
    // Once only: paused by the user, a second page does not start it again.
    expect((await post(ins, '/api/sim/pause')).status).toBe(200);
    const ws2 = await watch(ins);
    expect((await info(ins)).sim!.running).toBe(false);
    ws.close();
    ws2.close();
  });

  it('without the demo options (tests, embedders) it never runs by itself', async () => {
    const demo = simulatedDemo({ crypto: await testCrypto(), seed: 2026 });
    const ins = await startInspector(demo.target, { port: 0 });
    open.push(ins);
    const ws = await watch(ins);
    expect((await info(ins)).sim).toMatchObject({ running: false, now: 0 });
    expect((await info(ins)).restartable).toBe(false);
    expect((await post(ins, '/api/sim/restart')).status).toBe(409);
    ws.close();
  });

  it('Restart rebuilds the network from the same seed, paused at t = 0, with a new history', async () => {
    const demo = simulatedDemo({ crypto: await testCrypto(), seed: 2026 });
    const ins = await startInspector(demo.target, { port: 0, ...demoInspectorOptions(demo) });
    open.push(ins);
    const first = await info(ins);
    expect(first).toMatchObject({ epoch: 0, restartable: true });
    const oldSim = demo.demo!.sim;
    oldSim.runFor(5_000);
    const ran = await info(ins);
    expect(ran.now).toBe(5_000);
    expect(ran.nodes[0]!.lastSeq).toBeGreaterThan(first.nodes[0]!.lastSeq);
    // Without the token it is refused and nothing changes.
    expect((await post(ins, '/api/sim/restart', { 'content-type': 'application/json' })).status).toBe(401);
    expect(demo.demo!.sim).toBe(oldSim);
    const r = await post(ins, '/api/sim/restart');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ epoch: 1, status: { running: false, now: 0 } });
    const after = await info(ins);
    expect(after).toMatchObject({ epoch: 1, now: 0, sim: { running: false, now: 0 } });
    // Same seed: the same nodes and keys, the journals back where they began.
    expect(after.nodes.map((n) => [n.name, n.selfPk])).toEqual(first.nodes.map((n) => [n.name, n.selfPk]));
    expect(after.nodes.map((n) => n.lastSeq)).toEqual(first.nodes.map((n) => n.lastSeq));
    expect(demo.demo!.sim).not.toBe(oldSim);
    expect(ins.model.target.sim).toBe(demo.demo!.sim);
    // The controls drive the new network; the old one is left alone.
    const oldCopy = { ...oldSim.stats };
    expect((await post(ins, '/api/sim/step')).status).toBe(200);
    const stepped = await info(ins);
    expect(stepped.nodes.reduce((s, n) => s + n.lastSeq, 0)).toBeGreaterThan(after.nodes.reduce((s, n) => s + n.lastSeq, 0));
    expect(oldSim.now).toBe(5_000);
    expect({ ...oldSim.stats }).toEqual(oldCopy);
    // A page learns of the restart from the change stream.
    const ws = await watch(ins);
    const msg = await new Promise<{ epoch: number }>((resolve) => ws.once('message', (m) => resolve(JSON.parse(String(m)) as { epoch: number })));
    expect(msg.epoch).toBe(1);
    ws.close();
  });

  it('a live target cannot be restarted', async () => {
    const demo = simulatedDemo({ crypto: await testCrypto(), seed: 2026 });
    const ins = await startInspector(liveTarget(demo.target.nodes, () => demo.demo!.sim.now), { port: 0, restart: demo.restart! });
    open.push(ins);
    expect((await post(ins, '/api/sim/restart')).status).toBe(409);
    expect((await info(ins)).restartable).toBe(false);
  });
});
