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

// Bad arguments end in one line on stderr and exit status 2, as the toxstate command's do.
const usage = 'usage: node examples/echo-bot.mjs [--port N] [--bootstrap IP:PORT:DHTKEY]';
const fail = (why) => {
  console.error(`echo-bot: ${why} (${usage})`);
  process.exit(2);
};
let values;
try {
  ({ values } = parseArgs({ options: { port: { type: 'string' }, bootstrap: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
} catch (e) {
  fail(e.message);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = values.port === undefined ? 0 : /^\d+$/.test(values.port) ? Number(values.port) : NaN;
if (!(port >= 0 && port <= 65535)) fail(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(values.port)}`);

const engine = await createEngine({ name: 'echo bot' });
const node = await UdpNode.start(engine, { bind: '127.0.0.1', port });

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

// "IP:PORT:DHTKEY" as it is (IPv6 as "[addr]:PORT:DHTKEY"); a bad one is a TypeError that says
// what is wrong, and stops the bot.
if (values.bootstrap) {
  try {
    node.run((e, now) => e.bootstrap(now, values.bootstrap));
  } catch (e) {
    await node.close();
    fail(e.message);
  }
}

const stop = async () => {
  await node.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
