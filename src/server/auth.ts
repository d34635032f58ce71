/**
 * Who may connect: a shared token (when configured) and, for browsers, an Origin allow-list.
 *
 * The token is accepted from `Authorization: Bearer <token>` or the `token` query parameter
 * (browsers cannot set headers on a WebSocket). Requests without an Origin header (non-browser
 * clients) pass the origin check; a browser page passes when its origin is the server's own or
 * is listed. Comparisons of secrets are constant-time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function tokenFromRequest(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m) return m[1];
  }
  return url.searchParams.get('token') ?? undefined;
}

export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** True when `token` is not configured or the request carries it. */
export function isAuthorized(req: IncomingMessage, url: URL, token: string | undefined): boolean {
  return token === undefined || tokensEqual(tokenFromRequest(req, url), token);
}

/**
 * Origin check. `allowed` holds exact origins ("http://localhost:3000") or "*" for any.
 * The server's own origin (same Host header) is always allowed.
 */
export function isOriginAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  const host = req.headers.host;
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
