/**
 * The renderer's own origin in Electron: app://station/ serves renderer/dist (in the package,
 * from app.asar) with the strict CSP of main/security.ts. A custom privileged scheme instead of
 * file:// because file:// pages share one opaque origin with every file on the disk and cannot
 * be given response headers; a custom scheme can, and navigation checks can pin its host.
 */
import path from 'node:path';
import { RENDERER_MIME } from '../common/renderer-page.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'station';

/** The page of each window: the counter, or the customer display (the same build; it picks its view by path). */
export function appUrl(view: 'counter' | 'customer'): string {
  return `${APP_SCHEME}://${APP_HOST}/${view === 'customer' ? 'customer' : ''}`;
}

/**
 * The file that answers an app:// request, or null (404): only the page ("/" and "/customer"),
 * the build's assets and its icon, inside `distDir`, never outside it.
 */
export function resolveAppFile(distDir: string, requestUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel === '/' || rel === '/index.html' || rel === '/customer') rel = '/index.html';
  else if (!rel.startsWith('/assets/') && rel !== '/favicon.svg') return null;
  const root = path.resolve(distDir);
  const file = path.resolve(root, `.${rel}`);
  return file.startsWith(root + path.sep) ? file : null;
}


export function mimeOf(file: string): string {
  return RENDERER_MIME[path.extname(file)] ?? 'application/octet-stream';
}
