/**
 * The inspector's access checks (inspector/access.ts) on their own: the Host values that name
 * the server, same-origin only, the token from the header or the query, compared in constant
 * time. The attacks themselves are performed in test/reliability/review/inspector.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, allowedHostHeaders, newAccessToken, requestToken, tokenMatches } from '../../inspector/access.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
const u = (path: string): URL => new URL(path, 'http://inspector.invalid');

describe('inspector access', () => {
  it('makes 256-bit tokens that differ every run', () => {
    const a = newAccessToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newAccessToken()).not.toBe(a);
  });

  it('accepts the exact token only, from Authorization: Bearer or ?token=', () => {
    const t = newAccessToken();
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(t, `${t}x`)).toBe(false);
    expect(tokenMatches(t, t.slice(0, -1))).toBe(false);
    expect(tokenMatches(t, '')).toBe(false);
    expect(tokenMatches(t, null)).toBe(false);
    expect(requestToken(req({ authorization: `Bearer ${t}` }), u('/'))).toBe(t);
    expect(requestToken(req({}), u(`/ws?token=${t}`))).toBe(t);
    expect(requestToken(req({ authorization: `Basic ${t}` }), u('/'))).toBeNull();
  });

  it('names the server by loopback names and its bound address, with its port', () => {
    expect([...allowedHostHeaders('127.0.0.1', 4242)].sort()).toEqual(['127.0.0.1:4242', '[::1]:4242', 'localhost:4242']);
    expect(allowedHostHeaders('::1', 4242).has('[::1]:4242')).toBe(true);
    expect(allowedHostHeaders('192.168.1.5', 4242).has('192.168.1.5:4242')).toBe(true);
    expect(allowedHostHeaders('127.0.0.1', 80).has('localhost')).toBe(true);
    expect(allowedHostHeaders('127.0.0.1', 4242).has('localhost')).toBe(false);
  });

  it('refuses a foreign Host (403), another origin (403), no or a wrong token where one is needed (401)', () => {
    const t = newAccessToken();
    const p = new AccessPolicy('127.0.0.1', 4242, t);
    const own = { host: '127.0.0.1:4242' };
    expect(p.refusal(req({ ...own, authorization: `Bearer ${t}` }), u('/api/info'), true)).toBeNull();
    expect(p.refusal(req({ ...own, origin: 'http://127.0.0.1:4242', authorization: `Bearer ${t}` }), u('/api/info'), true)).toBeNull();
    expect(p.refusal(req({ host: 'LOCALHOST:4242', origin: 'http://localhost:4242' }), u('/'), false)).toBeNull();
    expect(p.refusal(req({ host: 'evil.example:4242', authorization: `Bearer ${t}` }), u('/api/info'), true)?.status).toBe(403);
    expect(p.refusal(req({ host: '127.0.0.1:4243' }), u('/'), false)?.status).toBe(403);
    expect(p.refusal(req({}), u('/'), false)?.status).toBe(403);
    for (const origin of ['http://evil.example', 'null', 'http://localhost:4242', 'https://127.0.0.1:4242', 'http://127.0.0.1:4242, http://evil.example']) {
      expect(p.refusal(req({ ...own, origin, authorization: `Bearer ${t}` }), u('/api/info'), true)?.status, origin).toBe(403);
    }
    expect(p.refusal(req(own), u('/api/info'), true)?.status).toBe(401);
    expect(p.refusal(req(own), u(`/ws?token=${newAccessToken()}`), true)?.status).toBe(401);
    expect(p.refusal(req(own), u('/'), false)).toBeNull();
  });
});
