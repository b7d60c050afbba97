// A Tox echo bot: accepts every friend request and sends every message back.
//
//   node examples/echo-bot.mjs [--port N] [--bootstrap IP:PORT:DHTPK]
//
// Prints one JSON line with its Tox ID, DHT key and port, then one line per event.
// Binds 127.0.0.1 and talks only to loopback unless you change the UdpNode options.
import { parseArgs } from 'node:util';
import { createEngine, UdpNode, formatToxId, fromHex } from 'toxstate';

const { values } = parseArgs({ options: { port: { type: 'string' }, bootstrap: { type: 'string' } } });

const engine = await createEngine({ name: 'echo bot' });
const node = await UdpNode.start(engine, { bind: '127.0.0.1', port: Number(values.port ?? 0) });

console.log(JSON.stringify({
  ev: 'ready',
  toxid: formatToxId(engine.keys.real.publicKey, engine.nospam),
  dhtpk: engine.keys.dhtPkHex,
  port: node.address.port,
}));

node.onEvent((event) => {
  console.log(JSON.stringify(event));
  if (event.type === 'friend_request') node.run((e, now) => e.acceptFriendRequest(now, event.pk));
  if (event.type === 'message') node.run((e, now) => e.sendMessage(now, event.friend, event.text, event.kind));
});

if (values.bootstrap) {
  const [ip, port, key] = values.bootstrap.split(':');
  const pk = fromHex(key ?? '');
  if (!pk.ok) throw new Error(`--bootstrap: ${pk.error}`);
  node.run((e, now) => e.bootstrap(now, { family: 'ipv4', ip, port: Number(port) }, pk.value));
}

const stop = async () => {
  await node.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
