import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The cookie that carries the token once the printed URL was opened. Cookies are shared by every port
 * of a host, so the name has the port: two inspectors in one browser keep their own sessions.
 */
export function sessionCookieName(port: number): string {
  return `hms_inspector_${port}`;
}

/** A fresh secret per start: the token of the printed URL, and the nonce of the page's script and style. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** What the inspector needs to know of a request to decide whether it may be served. */
export interface InspectorRequest {
  method: string;
  host: string | undefined;
  cookie: string | undefined;
  origin: string | undefined;
  contentType: string | undefined;
}

export type Refusal = { status: number; reason: string };

/**
 * Why a request to the inspector is refused, or undefined when it may be served: a `Host` that is not
 * this machine with our port (a DNS-rebinding page), no session cookie, and for changes a body that
 * is not JSON or an `Origin` that is not ours (a cross-site form or fetch).
 */
export function refusalOf(request: InspectorRequest, token: string, port: number): Refusal | undefined {
  if (!allowedHosts(port).includes((request.host ?? '').toLowerCase()))
    return { status: 421, reason: `this inspector answers only to 127.0.0.1:${port}, localhost:${port} or [::1]:${port}` };
  if (!hasSession(request.cookie, token, port)) return { status: 401, reason: 'open the inspector with the URL it printed (…/?token=…)' };
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  if (!/^application\/json\b/i.test(request.contentType ?? ''))
    return { status: 415, reason: 'changes take Content-Type: application/json' };
  if (!allowedOrigins(port).includes(request.origin ?? ''))
    return { status: 403, reason: 'changes are taken from the inspector page only' };
  return undefined;
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

/** Whether the Cookie header holds the session cookie with this token (compared in constant time). */
export function hasSession(cookieHeader: string | undefined, token: string, port: number): boolean {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === sessionCookieName(port)) return sameToken(value.join('='), token);
  }
  return false;
}

export function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sessionCookie(token: string, port: number): string {
  return `${sessionCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** No inline script or style but ours (the nonce), nothing from elsewhere, no framing. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
