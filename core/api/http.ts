/**
 * The HTTP side of `station serve`: the built renderer for the page with this run's token (and
 * the customer display's page with its own), and the WebSocket upgrades of both. Loopback peers
 * only, Host and Origin pinned to the loopback origin (DNS rebinding), a strict CSP and
 * no-referrer on every answer (the token is in the page URL).
 */
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { RENDERER_MIME, rendererContentSecurityPolicy } from '../../common/renderer-page.ts';

export function isLoopbackAddress(addr: string | undefined): boolean {
  if (addr === undefined) return false;
  return addr === '::1' || /^127\./.test(addr) || /^::ffff:127\./.test(addr);
}

export function contentSecurityPolicy(port: number): string {
  return rendererContentSecurityPolicy(`'self' ws://127.0.0.1:${port} ws://localhost:${port}`);
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Where the server listens: the port is known once it is listening. */
interface Origin {
  port: () => number;
  token: string;
  customerToken: string;
}

const allowedHost = (o: Origin, host: string | undefined) => host === `127.0.0.1:${o.port()}` || host === `localhost:${o.port()}`;
const allowedOrigin = (o: Origin, origin: string | undefined) => origin === undefined || origin === `http://127.0.0.1:${o.port()}` || origin === `http://localhost:${o.port()}`;

function securityHeaders(port: number): http.OutgoingHttpHeaders {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
  };
}

/** The page (token checked), its assets, and nothing else. */
export function pageListener(o: Origin & { staticRoot: string }): http.RequestListener {
  const { staticRoot } = o;
  const refuse = (res: http.ServerResponse, status: number, message: string) => {
    res.writeHead(status, { ...securityHeaders(o.port()), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${message}\n`);
  };
  return (req, res) => {
    if (!isLoopbackAddress(req.socket.remoteAddress)) return refuse(res, 403, 'loopback only');
    if (!allowedHost(o, req.headers.host)) return refuse(res, 403, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${o.port()}`);
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/customer') {
      // The customer display: the same page (it picks its view by path) behind its own token.
      if (!sameToken(url.searchParams.get('token'), o.customerToken)) return refuse(res, 403, 'the customer display needs its own link printed by `station serve` (token missing or wrong)');
      rel = '/index.html';
    } else if (rel === '/' || rel === '/index.html') {
      // The page itself needs the run's token; its assets are the public build output.
      if (!sameToken(url.searchParams.get('token'), o.token)) return refuse(res, 403, 'this station UI needs the link printed by `station serve` (token missing or wrong)');
      rel = '/index.html';
    } else if (!rel.startsWith('/assets/') && rel !== '/favicon.svg') {
      return refuse(res, 404, 'not found');
    }
    const file = path.resolve(staticRoot, `.${rel}`);
    if (!file.startsWith(staticRoot + path.sep) || !existsSync(file) || !statSync(file).isFile()) return refuse(res, 404, 'not found');
    res.writeHead(200, {
      ...securityHeaders(o.port()),
      'Content-Type': RENDERER_MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': rel === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };
}

type Upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The two WebSockets: /api with the run's token, /customer-api (read-only) with the customer display's. */
export function upgradeListener(o: Origin & { api: Upgrade; customer: Upgrade }): Upgrade {
  const forbidden = (socket: Duplex) => {
    socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  };
  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${o.port()}`);
    const from = isLoopbackAddress(req.socket.remoteAddress) && allowedHost(o, req.headers.host) && allowedOrigin(o, req.headers.origin);
    if (url.pathname === '/customer-api') {
      // Read-only: the customer display's own token; it receives the display and can call nothing.
      if (!from || !sameToken(url.searchParams.get('token'), o.customerToken)) return forbidden(socket);
      return o.customer(req, socket, head);
    }
    if (!from || url.pathname !== '/api' || !sameToken(url.searchParams.get('token'), o.token)) return forbidden(socket);
    o.api(req, socket, head);
  };
}
