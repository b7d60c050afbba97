/**
 * The net_crypto layer's refusals of a send (`sendLossless`, `sendLossy`): thrown as
 * `NetCryptoError` with a code the messenger turns into a result the application can show.
 */

export type NetCryptoErrorCode = 'not_established' | 'queue_full' | 'bad_payload';

/** A refused send, with a reason the application can show. */
export class NetCryptoError extends Error {
  constructor(
    readonly code: NetCryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NetCryptoError';
  }
}
