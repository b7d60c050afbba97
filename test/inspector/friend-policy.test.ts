/** The inspector's friend list shows each friend's connection policy (InspectorModel.actors rows). */
import { describe, expect, it } from 'vitest';
import { simulatedDemo } from '../../inspector/demo.js';
import { InspectorModel } from '../../inspector/model.js';
import { testCrypto } from './helpers.js';

describe('the friend list', () => {
  it("carries the friend's policy, as it is now", async () => {
    const demo = simulatedDemo({ crypto: await testCrypto(), seed: 15 });
    demo.demo!.sim.runFor(5_000);
    const model = new InspectorModel(demo.target);
    const alice = demo.demo!.alice.node.engine;
    const bob = demo.demo!.bob.node.engine.selfHex;
    expect(model.actors('Alice').rows.map((r) => [r.friend, r.policy])).toEqual([[bob, 'TryingToConnect']]);
    alice.setFriendPolicy(alice.now, bob, 'OpenToConnect');
    expect(model.actors('Alice').rows.map((r) => r.policy)).toEqual(['OpenToConnect']);
  });
});
