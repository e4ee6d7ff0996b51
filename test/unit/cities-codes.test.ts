// City code ↔ city mapping from configuration: the shipped training/default file, the
// validating loader, and cityByCode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BadInputError, StationError } from '../../common/errors.ts';
import { CITIES, cityByName } from '../../core/cities/directory.ts';
import {
  DEFAULT_CITY_CODES_FILE, cityByCode, codeOfCity, loadCityCodes, parseCityCodes, trainingDefaultCodes,
} from '../../core/cities/codes.ts';

test('the default file is the training/default mapping: 上海 2000, home 3100, a code for all 80 cities', () => {
  const doc = JSON.parse(readFileSync(DEFAULT_CITY_CODES_FILE, 'utf8')) as { kind: string; note: string; codes: Record<string, string> };
  assert.equal(doc.kind, 'training-default');
  assert.match(doc.note, /placeholder/);
  assert.deepEqual(doc.codes, trainingDefaultCodes(), 'the file is exactly the deterministic placeholder table');
  const m = loadCityCodes();
  assert.equal(m.byCode.size, 80);
  assert.equal(cityByCode('2000', m), cityByName('上海'));
  assert.equal(cityByCode('3100', m)!.name, '宁波');
  assert.equal(cityByCode('F103', m)!.name, '绍兴');
  assert.equal(cityByCode('f103', m)!.name, '绍兴', 'hex is case-insensitive');
  assert.equal(cityByCode('F301', m)!.name, '天津');
  assert.equal(cityByCode('F703', m)!.name, '上饶');
  assert.equal(cityByCode('4420', m), null, 'unmapped code');
  assert.equal(cityByCode('20000', m), null, 'not 4 hex digits');
  assert.equal(codeOfCity('泰州', m), 'F314');
  assert.equal(codeOfCity('台州', m), 'F105');
  assert.equal(codeOfCity('杭州', m), null);
  for (const c of CITIES) assert.equal(cityByCode(codeOfCity(c.name, m)!, m), c, `round trip ${c.name}`);
});

test('the loader refuses bad codes, duplicates, unknown names and a city with two codes', () => {
  const ok = parseCityCodes({ kind: 'city-x', codes: { '2000': '上海', '0571': '宁波市', 'abcd': '兰州' } });
  assert.equal(ok.kind, 'city-x');
  assert.equal(cityByCode('ABCD', ok)!.name, '兰州');
  assert.equal(cityByCode('0571', ok)!.name, '宁波', 'full names resolve to the entry');
  const bad: Array<[unknown, RegExp]> = [
    [{ codes: { '200': '上海' } }, /"200" is not 4 hex digits/],
    [{ codes: { '20G0': '上海' } }, /"20G0" is not 4 hex digits/],
    [{ codes: { 'abcd': '上海', 'ABCD': '宁波' } }, /ABCD appears twice/],
    [{ codes: { '2000': '杭州' } }, /"杭州" \(code 2000\) is not a City Union member city/],
    [{ codes: { '2000': '上海', '2001': '上海市' } }, /上海 has two codes, 2000 and 2001/],
    [{ codes: { '2000': 5 } }, /must be a name/],
    [{ codes: [] }, /"codes" must be an object/],
    [[], /expected a JSON object/],
  ];
  for (const [doc, re] of bad) assert.throws(() => parseCityCodes(doc), (e: unknown) => e instanceof BadInputError && re.test(e.message), JSON.stringify(doc));
});

test('loadCityCodes reads a deployment file and reports unreadable or invalid files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'codes-'));
  const good = path.join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ kind: 'deployment', codes: { '3150': '宁波' } }));
  assert.equal(cityByCode('3150', loadCityCodes(good))!.name, '宁波');
  const broken = path.join(dir, 'broken.json');
  writeFileSync(broken, '{"codes": ');
  assert.throws(() => loadCityCodes(broken), (e: unknown) => e instanceof BadInputError && /not valid JSON/.test(e.message));
  assert.throws(() => loadCityCodes(path.join(dir, 'missing.json')), (e: unknown) => e instanceof StationError && e.code === 'CONFIG');
});
