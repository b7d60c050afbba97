/**
 * `toxstate friends --profile FILE` lists what a profile made with `id --create` and `add` holds;
 * `toxstate node --interactive` reads commands from a pipe: /friends, /msg FRIEND TEXT and a plain
 * line reach a second node on 127.0.0.1, a bad command is answered and the node reads on, /quit
 * stops it cleanly.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeProcess, type NodeEvent } from '../../harness/node-process.js';
import { EventWaits } from '../../harness/event-waits.js';
import { expectOneLineError, FIXTURE_TOX_ID, tempDir, toxstate } from './run.js';

const BIN = new URL('../../bin/toxstate.js', import.meta.url).pathname;
const tmp = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  tmp.cleanup();
});

/** A new profile at `name`, and its long-term key (hex, lowercase). */
function newProfile(name: string): { path: string; pk: string } {
  const path = join(tmp.dir, name);
  const r = toxstate(['id', '--profile', path, '--create']);
  expect(r.status, r.stderr).toBe(0);
  return { path, pk: r.stdout.trim().slice(0, 64).toLowerCase() };
}

describe('toxstate friends', () => {
  it('lists each friend of the profile with its status and policy, readable and as JSON', () => {
    const me = newProfile('me.tox');
    const confirmed = 'ab'.repeat(31) + '01';
    expect(toxstate(['add', '--profile', me.path, '--toxid', FIXTURE_TOX_ID, '--message', 'hi']).status).toBe(0);
    expect(toxstate(['add', '--profile', me.path, '--pk', confirmed]).status).toBe(0);
    const json = toxstate(['friends', '--profile', me.path, '--json']);
    expect(json.status, json.stderr).toBe(0);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toEqual([
      { pk: FIXTURE_TOX_ID.slice(0, 64).toLowerCase(), status: 'added', name: '', status_message: '', policy: 'TryingToConnect', last_seen: 0 },
      { pk: confirmed, status: 'confirmed', name: '', status_message: '', policy: 'TryingToConnect', last_seen: 0 },
    ]);
    const text = toxstate(['friends', '--profile', me.path]);
    expect(text.stdout.trim().split('\n')).toEqual([
      `${FIXTURE_TOX_ID.slice(0, 64).toLowerCase()}  added      TryingToConnect    (no name)`,
      `${confirmed}  confirmed  TryingToConnect    (no name)`,
    ]);
    // After a removal the list follows the profile.
    expect(toxstate(['remove', '--profile', me.path, confirmed]).status).toBe(0);
    expect(toxstate(['friends', '--profile', me.path, '--json']).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('says so when there are none, and needs --profile', () => {
    const lone = newProfile('lone.tox');
    expect(toxstate(['friends', '--profile', lone.path]).stdout).toBe(`no friends in ${lone.path}\n`);
    expect(toxstate(['friends', '--profile', lone.path, '--json']).stdout).toBe('');
    expectOneLineError(toxstate(['friends']), /friends: --profile FILE is required/);
  });
});

describe('toxstate node --interactive', () => {
  it('answers a line it cannot send and reads on; /quit stops the node and it exits 0', () => {
    const r = spawnSync(process.execPath, [BIN, 'node', '--bind', '127.0.0.1', '--port', '0', '--json', '--interactive', '--run-seconds', '30'], {
      input: 'hello?\n/add 1234 hi\n/friends\n/quit\n',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['ev'])).toEqual(['self', 'console_error', 'console_error', 'friends', 'stopped']);
    expect(lines[1]!['message']).toMatch(/no friend to talk to yet/);
    expect(lines[2]!['message']).toMatch(/^usage: \/add TOXID \[MESSAGE\] \(.*length/);
    expect(lines[3]!['friends']).toEqual([]);
  }, 40_000);

  it('sends /msg and plain lines from stdin to a friend on loopback, answers /friends, and stops on /quit', async () => {
    const a = newProfile('a.tox');
    const b = newProfile('b.tox');
    const nodeA = startNodeProcess(['--profile', a.path, '--friend', b.pk, '--run-seconds', '60'], children);
    const selfA = await nodeA.waitFor((e) => e.ev === 'self', 15_000, 'self line');

    const child = spawn(
      process.execPath,
      [BIN, 'node', '--bind', '127.0.0.1', '--port', '0', '--json', '--interactive', '--profile', b.path, '--friend', a.pk, '--bootstrap', `127.0.0.1:${selfA['port']}:${selfA['dhtpk']}`, '--run-seconds', '60'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    children.push(child);
    const waits = new EventWaits<NodeEvent>();
    createInterface({ input: child.stdout! }).on('line', (l) => waits.push(JSON.parse(l) as NodeEvent));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const waitB = (pred: (e: NodeEvent) => boolean, ms: number) =>
      waits.waitFor(pred, ms, () => `node B: ${JSON.stringify(waits.events)}; stderr: ${stderr}`);
    const type = (line: string): void => void child.stdin!.write(`${line}\n`);

    await waitB((e) => e.ev === 'self', 15_000);
    type('/msg 0123abcd who is this');
    await waitB((e) => e.ev === 'console_error' && /no friend "0123abcd"/.test(String(e['message'])), 10_000);
    await waitB((e) => e.ev === 'friend_online' && e['friend'] === a.pk, 30_000);

    type('/friends');
    const list = await waitB((e) => e.ev === 'friends', 10_000);
    expect(list['friends']).toEqual([{ pk: a.pk, name: '', online: true, status: 'confirmed', policy: 'TryingToConnect' }]);

    type(`/msg ${a.pk.slice(0, 10)} hello  from the console`);
    type('/frobnicate');
    type('and a plain line');
    const first = await nodeA.waitFor((e) => e.ev === 'message' && e['friend'] === b.pk, 15_000, 'the /msg message');
    expect(first['text']).toBe('hello  from the console'); // as typed, both spaces
    await nodeA.waitFor((e) => e.ev === 'message' && e['text'] === 'and a plain line', 15_000, 'the plain line');
    expect(waits.events.filter((e) => e.ev === 'sent').map((e) => e['friend'])).toEqual([a.pk, a.pk]);
    expect(waits.events.find((e) => e.ev === 'console_error' && /unknown command "\/frobnicate"/.test(String(e['message'])))).toBeDefined();

    type('/quit');
    expect(await exited).toBe(0);
    expect(waits.events.at(-1)?.ev).toBe('stopped');
  }, 90_000);
});
