/**
 * Public Tox bootstrap nodes, used only with `toxstate node --network public` (never by tests,
 * never by default). Facts from the community node list (nodes.tox.chat) as published in
 * clients' default lists; nodes come and go, so some may be stale. IPv4 literals only: the
 * engine resolves no names.
 */
import { hex } from '../protocol/bytes.js';
import type { IpPort } from '../protocol/ip-port.js';

export interface BootstrapNode {
  readonly ipPort: IpPort;
  readonly pk: Uint8Array;
}

const node = (ip: string, port: number, key: string): BootstrapNode => ({ ipPort: { family: 'ipv4', ip, port }, pk: hex(key) });

export const PUBLIC_BOOTSTRAP_NODES: readonly BootstrapNode[] = [
  node('85.143.221.42', 33445, 'DA4E4ED4B697F2E9B000EEFE3A34B554ACD3F45F5C96EAEA2516DD7FF9AF7B43'),
  node('78.46.73.141', 33445, '02807CF4F8BB8FB390CC3794BDF1E8449E9A8392C5D3F2200019DA9F1E812E46'),
  node('198.98.51.198', 33445, '1D5A5F2F5D6233058BF0259B09622FB40B482E4FA0931EB8FD3AB8E7BF7DAF6F'),
  node('85.172.30.117', 33445, '8E7D0B859922EF569298B4D261A8CCB5FEA14FB91ED412A7603A585A25698832'),
];
