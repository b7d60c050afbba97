/**
 * The JSON values the dissector produces (one object per datagram), and the hex spelling it
 * uses: every byte string is uppercase hex, as Tox clients show keys and IDs.
 *
 * There is no wire format here; the output shape is documented in protocol/dissect/index.ts.
 *
 * | value      | JSON                        |
 * |------------|-----------------------------|
 * | bytes      | uppercase hex string        |
 * | size       | number (bytes)              |
 * | flags      | boolean                     |
 */
import { toHex, type Bytes } from '../bytes.js';

export type Json = string | number | boolean | null | readonly Json[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: Json;
}
/** An object under construction (fields are added in the order they should print). */
export type MutableJsonObject = { [key: string]: Json };

export function hexUpper(b: Bytes): string {
  return toHex(b).toUpperCase();
}
