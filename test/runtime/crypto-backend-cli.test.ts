/**
 * The CLI honours TOXSTATE_CRYPTO (runtime/adapters/crypto-choice.ts, cli/main.ts): `toxstate node
 * --json` names the backend it runs on in its `self` event (`crypto`), and a bad value is a
 * one-line error naming the variable and the allowed values, before anything starts. The native
 * run is skipped, with `SKIPPED: crypto backend native: <reason>`, where sodium-native cannot load.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nativeCryptoAvailability } from '../../runtime/adapters/node-crypto.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;
const native = nativeCryptoAvailability();
if (!native.ok) console.log(`SKIPPED: crypto backend native: ${native.reason}`);

/** Runs a one-second `toxstate node --json` on 127.0.0.1 with TOXSTATE_CRYPTO = `value`. */
function runNode(value: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, TOXSTATE_CRYPTO: value };
  const r = spawnSync(process.execPath, [BIN, 'node', '--bind', '127.0.0.1', '--port', '0', '--json', '--run-seconds', '1'], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const selfEvent = (stdout: string): Record<string, unknown> => JSON.parse(stdout.split('\n').find((l) => l.includes('"ev":"self"'))!) as Record<string, unknown>;

describe('TOXSTATE_CRYPTO and the self event', () => {
  it('wasm: the self event says crypto "wasm"', () => {
    const r = runNode('wasm');
    expect(r.status).toBe(0);
    expect(selfEvent(r.stdout)['crypto']).toBe('wasm');
  }, 70_000);

  it.skipIf(!native.ok)('native: the self event says crypto "native"', () => {
    const r = runNode('native');
    expect(r.status).toBe(0);
    expect(selfEvent(r.stdout)['crypto']).toBe('native');
  }, 70_000);

  it('auto (empty): the self event names the backend auto picks here', () => {
    const r = runNode('');
    expect(r.status).toBe(0);
    expect(selfEvent(r.stdout)['crypto']).toBe(native.ok ? 'native' : 'wasm');
  }, 70_000);

  it('a bad value: one line naming the variable and the values, exit 2, nothing printed on stdout', () => {
    const r = runNode('sodium');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(['toxstate: TOXSTATE_CRYPTO="sodium" is not a crypto backend: use one of auto, native, wasm']);
  }, 70_000);
});
