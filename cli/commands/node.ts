/**
 * `toxstate node`: one toxstate node on real UDP. Loads (or creates) a profile, binds a socket,
 * bootstraps where told, and reports progress as human-readable lines or JSON lines.
 */
import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { intOption, parse } from '../args.js';
import { CliError } from '../errors.js';
import { passphrase } from '../passphrase.js';

export const USAGE = `Usage: toxstate node [options]

Runs a toxstate node on UDP until interrupted (Ctrl-C), saving its profile as it changes.

Identity and friends:
  --profile FILE           c-toxcore profile to load; created with a new identity when missing.
                           Without --profile the node runs on a throwaway identity.
                           Encrypted profiles: passphrase from TOXSTATE_PASSPHRASE or a prompt.
  --friend PK              add a friend by long-term public key without a request
                           (like tox_friend_add_norequest); may repeat
  --add-friend ID[:MSG]    send a friend request to a Tox ID (76 hex), optional message; may repeat
  --accept-friends         accept incoming friend requests, within these bounds:
  --accept-max N           only while we have fewer than N friends (default 100)
  --accept-rate N          at most N per minute, after a burst of 5 (default 10); requests
                           beyond it wait (64 at most; a requester that asks again is
                           preferred), and an accepted friend that does not come online
                           within 5 minutes is removed again
  --policy PK=POLICY       what to do about friend PK (64 hex; a friend from the profile,
                           --friend or --add-friend), saved in the profile; may repeat:
                             TryingToConnect    search for it and connect (the default)
                             OpenToConnect      no searches, our DHT key not sent to it; its
                                                connection attempts are answered
                             RefusingToConnect  drop everything it sends; a session is closed
  --name NAME              set our name
Network:
  --bind ADDR              address to bind: default 127.0.0.1 (as the UdpNode adapter), and
                           0.0.0.0 when the public network is allowed (--network public or a
                           --bootstrap off loopback); :: for one dual-stack socket (IPv4 and
                           IPv6), ::1 for IPv6 on loopback
  --port N                 UDP port (default: the first free port in 33445..33545)
  --bootstrap IP:PORT:PK   bootstrap node (IPv6 as [addr]:port:pk); may repeat. Without it, and
                           without --network public, nothing is sent anywhere.
  --network public         use the built-in public bootstrap nodes (contacts the public Tox network)
  --tcp-port N             also serve as a TCP relay on port N (0: any free port), on the --bind
                           address (127.0.0.1 unless --bind is given); the self line shows the
                           relay as IP:PORT:DHTPK for others' --tcp-relay
  --tcp-relay IP:PORT:PK   TCP relay to connect through (IPv6 as [addr]:port:pk, PK the relay's
                           DHT key); may repeat. Off loopback only with --network public.
  --udp-off                no UDP at all: reach the network through --tcp-relay relays only
  --lan-discovery          answer LAN discovery packets from LAN addresses (off by default;
                           toxstate never sends them)
Behaviour:
  --interactive            read commands from stdin, one a line (the default on a terminal):
                             /msg FRIEND TEXT   FRIEND: its key, a unique start of it, or its name
                             /add TOXID [MSG]   send a friend request
                             /friends           list friends (key, online, name, policy)
                             /help              list these commands
                             /quit              stop (also Ctrl-D on a terminal)
                             TEXT               to the last friend that talked or came online
                           (stdin from a pipe: its end does not stop the node)
  --no-interactive         do not read stdin even on a terminal
  --send TEXT              send TEXT to each friend when it comes online
  --echo                   send every received message back
  --run-seconds N          stop after N seconds
  --json                   one JSON object per line on stdout instead of readable lines
  --inspect PORT           serve the visual inspector on 127.0.0.1:PORT (0: any free port)
  --no-open                do not open a browser for --inspect (the URL is printed anyway)

Events (one line each; with --json one object with "ev" and "t" in seconds): self (first),
progress, dht_connected, announced, unannounced, friend_request, auto_accept, friend_added,
friend_policy (at start for each friend whose policy is not the default, then on every change),
friend_online (with path: udp, or tcp through a relay), friend_path (an established session moved
between udp and tcp), relay_status (a TCP relay connected or disconnected), friend_offline,
friend_name, friend_status_message, friend_user_status, friend_typing, message, receipt,
send_refused, error, and last stopped (friends and counters). Interactive commands answer with
sent, request_sent, friends, help and console_error.`;

export const command: Command = {
  summary: 'run a toxstate node on UDP',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(
      argv,
      {
        profile: { type: 'string' },
        friend: { type: 'string', multiple: true },
        'add-friend': { type: 'string', multiple: true },
        policy: { type: 'string', multiple: true },
        'accept-friends': { type: 'boolean' },
        'accept-max': { type: 'string' },
        'accept-rate': { type: 'string' },
        name: { type: 'string' },
        bind: { type: 'string' },
        port: { type: 'string' },
        bootstrap: { type: 'string', multiple: true },
        network: { type: 'string' },
        'tcp-port': { type: 'string' },
        'tcp-relay': { type: 'string', multiple: true },
        'udp-off': { type: 'boolean' },
        'lan-discovery': { type: 'boolean' },
        send: { type: 'string' },
        echo: { type: 'boolean' },
        'run-seconds': { type: 'string' },
        json: { type: 'boolean' },
        inspect: { type: 'string' },
        'no-open': { type: 'boolean' },
        interactive: { type: 'boolean' },
        'no-interactive': { type: 'boolean' },
      },
      'node',
    );
    if ((values['accept-max'] !== undefined || values['accept-rate'] !== undefined) && values['accept-friends'] !== true) {
      throw new CliError('--accept-max and --accept-rate bound --accept-friends, which is not given');
    }
    if (values.interactive === true && values['no-interactive'] === true) throw new CliError('--interactive and --no-interactive exclude each other');
    if (values['udp-off'] === true && (values['tcp-relay'] ?? []).length === 0) {
      throw new CliError('--udp-off needs at least one --tcp-relay IP:PORT:PK (without UDP the node reaches the network only through TCP relays)');
    }
    const { runNode } = await import('../node-runner.js');
    const profilePath = values.profile;
    const needPass = profilePath !== undefined && existsSync(profilePath);
    return runNode({
      profilePath,
      passphrase: needPass ? async () => passphrase(`passphrase for ${profilePath}`) : undefined,
      friends: values.friend ?? [],
      addFriends: values['add-friend'] ?? [],
      policies: values.policy ?? [],
      acceptFriends: values['accept-friends'] ?? false,
      acceptMax: intOption(values['accept-max'], 'accept-max', 0, 1_000_000),
      acceptRate: intOption(values['accept-rate'], 'accept-rate', 1, 1_000_000),
      name: values.name,
      bind: values.bind,
      port: intOption(values.port, 'port', 0, 65535),
      bootstrap: values.bootstrap ?? [],
      network: parseNetwork(values.network),
      tcpPort: intOption(values['tcp-port'], 'tcp-port', 0, 65535),
      // The TCP server listens on the wildcard only when asked to explicitly (never by default).
      tcpBind: values.bind ?? '127.0.0.1',
      tcpRelays: values['tcp-relay'] ?? [],
      udp: !(values['udp-off'] ?? false),
      lanDiscovery: values['lan-discovery'] ?? false,
      send: values.send,
      echo: values.echo ?? false,
      runSeconds: intOption(values['run-seconds'], 'run-seconds', 0, 10_000_000),
      json: values.json ?? false,
      inspectPort: intOption(values.inspect, 'inspect', 0, 65535),
      openBrowser: !(values['no-open'] ?? false),
      interactive: values['no-interactive'] === true ? false : (values.interactive ?? process.stdin.isTTY === true),
    });
  },
};

function parseNetwork(v: string | undefined): 'local' | 'public' {
  if (v === undefined || v === 'local') return 'local';
  if (v === 'public') return 'public';
  throw new CliError(`--network must be 'public' (or omitted), got ${JSON.stringify(v)}`);
}
