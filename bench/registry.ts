/** Every benchmark, in the order `npm run bench` runs them. */
import { cliStartBench } from './cli-start.js';
import { cryptoBench } from './crypto.js';
import { dhtServeBench } from './dht-serve.js';
import { floodBench } from './flood.js';
import { reconnectBench } from './reconnect.js';
import { scaleBench } from './scale.js';
import { simSizeBench } from './sim-size.js';
import { tcpRelayOnlineBench } from './tcp-relay-online.js';
import { tcpRelayThroughputBench } from './tcp-relay-throughput.js';
import { throughputBench } from './throughput.js';
import { timeToOnlineBench } from './time-to-online.js';
import type { Bench } from './types.js';

export const benches: readonly Bench[] = [cryptoBench, scaleBench, simSizeBench, floodBench, timeToOnlineBench, reconnectBench, throughputBench, tcpRelayOnlineBench, tcpRelayThroughputBench, dhtServeBench, cliStartBench];
