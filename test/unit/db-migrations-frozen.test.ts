// A migration a station has applied must never change: a database at schema N was made by
// exactly these statements, and a later edit would give two stations at "the same" version
// different schemas. The SHA-256 of each migration's SQL is pinned here; a new schema change is a
// new migration (and a new line below).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MIGRATIONS } from '../../db/migrations.ts';

const FROZEN: Record<number, string> = {
  1: 'd421ad2f388a2e70eb1c36ee29e484580b0c02ec0df7b5f0a02dc491cb1023e6',
  2: 'e51766c27b12697f44a19d634b993a7496664fc6e97f9ad1c9f90eb89a6265ce',
  3: 'bf96d5501af5d3f191fa7b2a99cb360bd3bbe54c148137b6aec55f4418df0ee6',
  4: '9295eb9178527aa4b3ed19300e0eb56dc46335b94df30ec1f2b423129d16d534',
  5: 'c8dcbecebd1a5296fdc5c1a6cb36a6f68cf18c1cce8c0ed2a35278863bad4666',
  6: 'ec47f0cdfc1d362a1cbc71c50d3d6d59aa3d612b16cc8fd61acb01f60f3b49ca',
  7: '94cbad92d71500bc4d8531012975ecdc08f38afe3f737cd2da03044a8161223c',
  8: 'f41ce40d50c14e0535ac5a765bf275e21a49a9a4fbe52e464ca391638930ed62',
};

test('every released migration is byte for byte what stations applied', () => {
  assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1), 'numbered 1, 2, 3, … without gaps');
  for (const m of MIGRATIONS) {
    const pinned = FROZEN[m.version];
    assert.ok(pinned !== undefined, `migration ${m.version} is not pinned: add its hash to FROZEN once it is released`);
    assert.equal(createHash('sha256').update(m.sql).digest('hex'), pinned, `migration ${m.version} (${m.name}) was edited after release: write a new migration instead`);
  }
});
