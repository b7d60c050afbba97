/**
 * Who may talk to the inspector server (issue 13, item 6). The inspector shows a node's friends'
 * keys, DHT keys and addresses, and in simulation mode changes the network, so every request
 * must come from the inspector's own page or from a program the user gave the access token to:
 *
 *   Host     must name the inspector itself — 127.0.0.1, localhost, [::1] or the bound address,
 *            with its port — so a page elsewhere cannot reach it through DNS rebinding;
 *   Origin   when present (browsers send it on every POST and WebSocket upgrade, and on
 *            cross-origin requests), must be the inspector's own origin;
 *   token    a per-run random token (256 bits) on every API request and every stream: the
 *            `Authorization: Bearer …` header or a `token` query parameter (WebSockets cannot
 *            carry headers from a browser). The page gets it from the fragment of the URL the CLI
 *            prints (`http://127.0.0.1:PORT/#token=…`), which browsers never send to a server
 *            nor put in a Referer. Non-browser clients send no Origin: the token is their check.
 *
 * Tokens are compared in constant time (SHA-256 of both, then timingSafeEqual).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The shortest token accepted from a caller: 22 base64url characters are 128 bits. */
export const MIN_TOKEN_LENGTH = 22;

/** A fresh access token: 32 random bytes, base64url (43 characters). */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A refusal: the HTTP status and a message saying what to do. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Whether `given` is the token, in time independent of where they differ. */
export function tokenMatches(token: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(token), digest(given));
}

/** The token a request carries: `Authorization: Bearer …`, else `?token=…`. */
export function requestToken(req: IncomingMessage, u: URL): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  return u.searchParams.get('token');
}

/** The Host header values that name a server listening on `host`:`port`. */
export function allowedHostHeaders(host: string, port: number): Set<string> {
  const bound = host.includes(':') ? `[${host.toLowerCase()}]` : host.toLowerCase();
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', bound]);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`);
    if (port === 80) out.add(n);
  }
  return out;
}

/** The checks every request and upgrade passes, for one running inspector. */
export class AccessPolicy {
  private readonly hosts: Set<string>;

  constructor(
    host: string,
    port: number,
    readonly token: string,
  ) {
    this.hosts = allowedHostHeaders(host, port);
  }

  /**
   * Why this request is refused, or null. `needsToken`: API requests and streams (the page's
   * static files are public: they hold nothing of the node's).
   */
  refusal(req: IncomingMessage, u: URL, needsToken: boolean): Refusal | null {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.hosts.has(host)) return { status: 403, message: 'forbidden host: the inspector answers only to its own address' };
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
      return { status: 403, message: 'cross-origin request refused' };
    }
    if (needsToken && !tokenMatches(this.token, requestToken(req, u))) {
      return { status: 401, message: 'missing or wrong access token: open the URL toxstate printed (http://…/#token=…)' };
    }
    return null;
  }
}
