import { createEngine, UdpNode } from 'toxstate';

const engine = await createEngine({ name: 'echo bot' });         // fresh identity, OS randomness
const node = await UdpNode.start(engine, { bind: '127.0.0.1' }); // the only socket code (any free port)
console.log(`Tox ID ${engine.toxId()}  bootstrap: 127.0.0.1:${node.address.port}:${engine.dhtKeyHex}`);
node.run((eng, now) => eng.setAutoAccept(now, { maxFriends: 100, perMinute: 10 }));  // bounded accepting
node.onEvent((e) => {
  if (e.type !== 'message') return;
  const sent = node.run((eng, now) => eng.sendMessage(now, e.friend, e.bytes, e.kind)); // the exact bytes
  if (!sent.ok) console.log(`not echoed: ${sent.error}`);   // queue_full, not_online, … — never a throw
});
const peer = process.argv[2];                                    // "IP:PORT:DHTKEY" of a node to join
if (peer) node.run((eng, now) => eng.bootstrap(now, peer));
process.once('SIGINT', () => node.close());
