/**
 * The TCP relay's routes between its clients (docs/protocol.md §14.4; c-toxcore 0.2.18
 * `toxcore/TCP_server.c` handle_TCP_routing_req, rm_connection_index, kill_accepted and the data
 * case of handle_TCP_packet). Each confirmed client has 240 route slots (NUM_CLIENT_CONNECTIONS),
 * named on the wire by slot + 16 (NUM_RESERVED_PORTS). A slot holds the key the client asked for
 * and, once that key's client asked for this one too, the pair: the other client and its slot.
 *
 * Pure bookkeeping: what goes on the wire is done through `RouteWire` by the server (server.ts).
 */
import { equalBytes, type Bytes } from '../../protocol/bytes.js';
import { NUM_CLIENT_CONNECTIONS, NUM_RESERVED_PORTS } from '../../protocol/tcp/constants.js';

/** A client as the routes see it. */
export interface RouteClient {
  readonly pk: Bytes;
  readonly pkHex: string;
  /** NUM_CLIENT_CONNECTIONS slots, undefined when free. */
  readonly slots: Array<Route | undefined>;
}

export interface Route {
  readonly pk: Bytes;
  readonly pkHex: string;
  /** The paired client and its slot for us (c-toxcore status 2), or null (status 1: asked, not paired). */
  peer: { readonly client: RouteClient; readonly slot: number } | null;
}

/** What the routes need from the server: packets out, and the confirmed client holding a key. */
export interface RouteWire<C extends RouteClient> {
  routingResponse(to: C, connectionId: number, pk: Bytes): void;
  connectNotification(to: C, connectionId: number): void;
  disconnectNotification(to: C, connectionId: number): void;
  clientWithKey(pkHex: string): C | undefined;
}

/** A fresh, empty slot table. */
export function emptySlots(): Array<Route | undefined> {
  return new Array<Route | undefined>(NUM_CLIENT_CONNECTIONS).fill(undefined);
}

/**
 * ROUTING_REQUEST for `pk` (handle_TCP_routing_req): our own key or a full table → response 0;
 * a key already asked for → its id again; else the lowest free slot, and if the key's client has
 * asked for us and is not yet paired, both are paired and both get CONNECTION_NOTIFICATION.
 * Returns what happened (the server counts it).
 */
export function requestRoute<C extends RouteClient>(wire: RouteWire<C>, client: C, pk: Bytes, pkHex: string): 'self' | 'existing' | 'full' | 'added' | 'paired' {
  if (equalBytes(client.pk, pk)) {
    wire.routingResponse(client, 0, pk);
    return 'self';
  }
  let free = -1;
  for (let i = 0; i < NUM_CLIENT_CONNECTIONS; i++) {
    const s = client.slots[i];
    if (s !== undefined) {
      if (s.pkHex === pkHex) {
        wire.routingResponse(client, i + NUM_RESERVED_PORTS, pk);
        return 'existing';
      }
    } else if (free < 0) free = i;
  }
  if (free < 0) {
    wire.routingResponse(client, 0, pk);
    return 'full';
  }
  wire.routingResponse(client, free + NUM_RESERVED_PORTS, pk);
  const route: Route = { pk: pk.slice(), pkHex, peer: null };
  client.slots[free] = route;
  const other = wire.clientWithKey(pkHex);
  if (other === undefined) return 'added';
  for (let j = 0; j < NUM_CLIENT_CONNECTIONS; j++) {
    const theirs = other.slots[j];
    if (theirs === undefined || theirs.peer !== null || theirs.pkHex !== client.pkHex) continue;
    route.peer = { client: other, slot: j };
    theirs.peer = { client, slot: free };
    wire.connectNotification(client, free + NUM_RESERVED_PORTS);
    wire.connectNotification(other, j + NUM_RESERVED_PORTS);
    return 'paired';
  }
  return 'added';
}

/**
 * Frees slot `slot` of `client` (rm_connection_index): its pair, if any, goes back to unpaired
 * and is told with DISCONNECT_NOTIFICATION. False if the slot was free or out of range (the
 * server then kills the client, as c-toxcore does).
 */
export function removeRoute<C extends RouteClient>(wire: RouteWire<C>, client: RouteClient, slot: number): boolean {
  if (!Number.isInteger(slot) || slot < 0 || slot >= NUM_CLIENT_CONNECTIONS) return false;
  const route = client.slots[slot];
  if (route === undefined) return false;
  if (route.peer !== null) {
    const { client: other, slot: theirSlot } = route.peer;
    const theirs = other.slots[theirSlot];
    if (theirs !== undefined) theirs.peer = null;
    wire.disconnectNotification(other as C, theirSlot + NUM_RESERVED_PORTS);
  }
  client.slots[slot] = undefined;
  return true;
}

/** Frees every slot of a client that goes away (kill_accepted). */
export function removeAllRoutes<C extends RouteClient>(wire: RouteWire<C>, client: RouteClient): void {
  for (let i = 0; i < NUM_CLIENT_CONNECTIONS; i++) if (client.slots[i] !== undefined) removeRoute(wire, client, i);
}

/**
 * Where a data frame with `connectionId` goes (handle_TCP_packet, default case): the paired
 * client and the id to give it; 'unpaired' (dropped silently); 'unknown' (the server kills).
 */
export function routeTarget(client: RouteClient, connectionId: number): { client: RouteClient; connectionId: number } | 'unpaired' | 'unknown' {
  const slot = connectionId - NUM_RESERVED_PORTS;
  if (!Number.isInteger(slot) || slot < 0 || slot >= NUM_CLIENT_CONNECTIONS) return 'unknown';
  const route = client.slots[slot];
  if (route === undefined) return 'unknown';
  if (route.peer === null) return 'unpaired';
  return { client: route.peer.client, connectionId: route.peer.slot + NUM_RESERVED_PORTS };
}

/** How many slots a client uses (tests and stats). */
export function routeCount(client: RouteClient): number {
  let n = 0;
  for (const s of client.slots) if (s !== undefined) n++;
  return n;
}
