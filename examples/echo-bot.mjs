// A Tox echo bot: accepts friend requests and sends every message back.
//
//   node examples/echo-bot.mjs [--port N] [--bootstrap IP:PORT:DHTKEY]
//
// Prints one JSON line with its Tox ID, DHT key and port, then one line per event.
// Binds 127.0.0.1 and talks only to loopback unless you change the UdpNode options.
//
// Nothing a peer sends can stop it: requests are accepted within bounds (setAutoAccept: at most
// 100 friends, 10 per minute), a message is echoed as the exact bytes that arrived, a refused
// echo (the friend's send queue is full, it went offline) is reported as a result, and the
// UdpNode contains an exception in this listener (it is counted and reported as an 'error' event).
import { parseArgs } from 'node:util';
import { createEngine, UdpNode, toHex } from 'toxstate';

const { values } = parseArgs({ options: { port: { type: 'string' }, bootstrap: { type: 'string' } } });

const engine = await createEngine({ name: 'echo bot' });
const node = await UdpNode.start(engine, { bind: '127.0.0.1', port: Number(values.port ?? 0) });

console.log(JSON.stringify({
  ev: 'ready',
  toxid: engine.toxId(),
  dhtpk: engine.dhtKeyHex,
  port: node.address.port,
}));

// Uint8Array fields (a message's bytes) as hex.
const line = (event) => JSON.stringify(event, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v));

node.onEvent((event) => {
  console.log(line(event));
  if (event.type === 'message') {
    const sent = node.run((e, now) => e.sendMessage(now, event.friend, event.bytes, event.kind));
    if (!sent.ok) console.log(JSON.stringify({ ev: 'send_refused', friend: event.friend, error: sent.error, message: sent.message }));
  }
});

node.run((e, now) => e.setAutoAccept(now, { maxFriends: 100, perMinute: 10 }));

// "IP:PORT:DHTKEY" as it is (IPv6 as "[addr]:PORT:DHTKEY"); a bad one stops the bot with a
// TypeError that says what is wrong.
if (values.bootstrap) node.run((e, now) => e.bootstrap(now, values.bootstrap));

const stop = async () => {
  await node.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
