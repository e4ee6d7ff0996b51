/**
 * How the counter UI's files are served, wherever they are served from: `station serve` over
 * loopback HTTP (core/api/http.ts) and Electron's app:// protocol (main/). One MIME table and
 * one Content-Security-Policy, so the two cannot drift; they differ only in where the page may
 * connect (the WebSocket for serve, nothing for Electron, which talks over IPC).
 */

export const RENDERER_MIME: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
});

/** The renderer's CSP: its own scripts, styles and fonts only; `connectSrc` is the one difference. */
export function rendererContentSecurityPolicy(connectSrc: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connectSrc}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
