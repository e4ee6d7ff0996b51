// docs/SECURITY.md "What the renderer can reach": the renderer's only door is the station API
// (common/api.ts: its imports are pinned by test/unit/layers.test.ts, its window by
// main/security.ts). This test pins what that door can hand out: no method's answer nor any
// pushed event has a field that could carry key material, a PIN or a secret; only the pinned
// methods answer before login; and the customer display's feed is read-only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { EventSchema, METHODS, PUBLIC_METHODS } from '../../common/api.ts';
import { CustomerMessageSchema } from '../../common/api-customer.ts';

/** Field names that would carry secrets. A result or event with one of these fails the test. */
const SECRET_FIELD = /^(dlk|dtk|damk|dpk|keys?|masterKeys?|sessionKey|secret|secrets|pin|pins|pinHash|pin_hash|pinSalt|pin_salt|passphrase|idNumber|id_number|token)$/i;

/** Every object field name reachable in a zod (v4) schema, with its path. */
function fieldNames(schema: unknown, at = '$', seen = new Set<unknown>()): { name: string; path: string }[] {
  if (schema === null || typeof schema !== 'object' || seen.has(schema)) return [];
  seen.add(schema);
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (def === undefined) return [];
  const out: { name: string; path: string }[] = [];
  const walk = (s: unknown, p: string) => out.push(...fieldNames(s, p, seen));
  switch (def.type) {
    case 'object':
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        out.push({ name: k, path: `${at}.${k}` });
        walk(v, `${at}.${k}`);
      }
      if (def.catchall !== undefined) walk(def.catchall, `${at}.*`);
      break;
    case 'array': walk(def.element, `${at}[]`); break;
    case 'record': walk(def.valueType, `${at}{}`); break;
    case 'union': for (const o of def.options as unknown[]) walk(o, at); break;
    case 'intersection': walk(def.left, at); walk(def.right, at); break;
    case 'pipe': walk(def.in, at); walk(def.out, at); break;
    case 'lazy': walk((def.getter as () => unknown)(), at); break;
    case 'tuple': (def.items as unknown[]).forEach((it, i) => walk(it, `${at}[${i}]`)); break;
    default:
      if (def.innerType !== undefined) walk(def.innerType, at);
  }
  return out;
}

test('no API answer and no pushed event has a field for key material, a PIN, a secret or a clear ID number', () => {
  let fields = 0;
  const leaks: string[] = [];
  for (const [method, spec] of Object.entries(METHODS) as [string, { result: z.ZodType }][]) {
    for (const f of fieldNames(spec.result)) {
      fields++;
      if (SECRET_FIELD.test(f.name)) leaks.push(`${method} result ${f.path}`);
    }
  }
  for (const f of fieldNames(EventSchema)) {
    fields++;
    if (SECRET_FIELD.test(f.name)) leaks.push(`event ${f.path}`);
  }
  // The customer display (a second screen facing the customer) gets even less: no holder data.
  for (const f of fieldNames(CustomerMessageSchema)) {
    fields++;
    if (SECRET_FIELD.test(f.name) || /name|phone|holder/i.test(f.name)) leaks.push(`customer display ${f.path}`);
  }
  assert.ok(fields > 100, `the walk saw the schemas (${fields} fields)`);
  // login's answer carries the session token the browser keeps (sessionStorage): not a key, and
  // useless off this machine (loopback only, per-run page token). It is the one allowed name.
  assert.deepEqual(leaks.filter((l) => l !== 'login result $.session'), [], leaks.join('\n'));
});

test('the walker finds a secret field where there is one (so the test above can fail)', async () => {
  const { z } = await import('zod');
  const bad = z.object({ a: z.array(z.object({ issuer: z.object({ damk: z.string() }).optional() })) });
  assert.deepEqual(fieldNames(bad).filter((f) => SECRET_FIELD.test(f.name)).map((f) => f.path), ['$.a[].issuer.damk']);
});

test('only login, resume, status and logout answer before login (everything else needs an unlocked session)', () => {
  assert.deepEqual([...PUBLIC_METHODS].sort(), ['login', 'logout', 'resume', 'status']);
});
