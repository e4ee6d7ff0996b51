// Key file loading/validation and the SoftwareSam: MAC1 check, MAC2, TAC check, SM MAC, and
// that key bytes never show in JSON, inspect or messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StationError } from '../../common/errors.ts';
import { fromHex, toHex } from '../../common/hex.ts';
import { diversifyKey, loadMac1, loadMac2, loadSessionKey, loadTac, secureMessagingMac } from '../../devices/crypto/index.ts';
import {
  SoftwareSam, TRAINING_KEY_FILE, TRAINING_KEY_FINGERPRINTS, isTestKeySet, loadKeyFile, loadTrainingKeys, parseKeyFile,
} from '../../devices/sam/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cpu-sam-'));
const MK = { dlk: '0123456789ABCDEFFEDCBA9876543210', dtk: '00112233445566778899AABBCCDDEEFF', damk: '404142434445464748494A4B4C4D4E4F' };
const v2File = { issuers: { '3100': { algorithm: '3des', version: 1, ...MK } } };

function keysError(pattern: RegExp) {
  return (e: unknown) => e instanceof StationError && e.code === 'KEYS' && pattern.test(e.message);
}

function writeJson(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

test('training key file: two issuer cities, marked test, fingerprints match the file', () => {
  const keys = loadTrainingKeys();
  assert.deepEqual(keys.cityCodes(), ['2000', '3100']);
  assert.equal(isTestKeySet(keys), true);
  const raw = JSON.parse(readFileSync(TRAINING_KEY_FILE, 'utf8')) as { issuers: Record<string, Record<string, unknown>> };
  const fps = new Set<string>();
  for (const e of Object.values(raw.issuers)) {
    for (const k of ['dlk', 'dtk', 'damk', 'dpk']) fps.add(createHash('sha256').update(fromHex(e[k] as string)).digest('hex'));
  }
  assert.deepEqual([...fps].sort(), [...TRAINING_KEY_FINGERPRINTS].sort());
});

test('a file that copies a training key without "test" is still test keys', () => {
  const raw = JSON.parse(readFileSync(TRAINING_KEY_FILE, 'utf8')) as { issuers: Record<string, unknown> };
  const copied = parseKeyFile({ issuers: { '4420': raw.issuers['3100'] } });
  assert.equal(isTestKeySet(copied), true);
  assert.equal(isTestKeySet(parseKeyFile(v2File)), false);
});

test('loadKeyFile errors are KEYS errors that say what is wrong', () => {
  assert.throws(() => loadKeyFile(path.join(dir, 'absent.json')), keysError(/not found/));
  assert.throws(() => loadKeyFile(writeJson('bad.json', '{"issuers": ')), keysError(/not valid JSON/));
  assert.throws(() => parseKeyFile([]), keysError(/object/));
  assert.throws(() => parseKeyFile({ issuers: {} }), keysError(/empty/));
  assert.throws(() => parseKeyFile({ issuers: { '31G0': v2File.issuers['3100'] } }), keysError(/31G0/));
  assert.throws(() => parseKeyFile({ issuers: { '3100': { ...v2File.issuers['3100'], dlk: 'XYZ' } } }), keysError(/dlk.*32 hex/));
  assert.throws(() => parseKeyFile({ issuers: { '3100': { ...v2File.issuers['3100'], dtk: '0011' } } }), keysError(/dtk/));
  assert.throws(() => parseKeyFile({ issuers: { '3100': { algorithm: '3des', version: 1, dlk: MK.dlk, dtk: MK.dtk } } }), keysError(/damk.*missing/));
  assert.throws(() => parseKeyFile({ issuers: { '3100': { ...v2File.issuers['3100'], algorithm: 'aes' } } }), keysError(/algorithm/));
  assert.throws(() => parseKeyFile({ issuers: { '3100': { ...v2File.issuers['3100'], version: 1.5 } } }), keysError(/version/));
  assert.throws(() => parseKeyFile({ issuers: { '3100': { ...v2File.issuers['3100'], extra: 1 } } }), keysError(/unknown field "extra"/));
  assert.throws(() => parseKeyFile({ issuers: v2File.issuers, live: true }), keysError(/unknown top-level/));
  const keys = loadKeyFile(writeJson('ok.json', JSON.stringify(v2File)));
  assert.throws(() => keys.info('2000'), keysError(/no keys for issuer city 2000/));
});

test('key bytes never appear in JSON, inspect or errors', () => {
  const keys = parseKeyFile(v2File, 'v2.json');
  const sam = new SoftwareSam(keys);
  const shown = [JSON.stringify(keys), inspect(keys, { showHidden: true, depth: 5 }), JSON.stringify(sam), inspect(sam, { showHidden: true, depth: 5 }), String(keys)];
  for (const s of shown) for (const k of Object.values(MK)) assert.ok(!s.toUpperCase().includes(k), `key leaked in ${s}`);
  assert.equal((keys as unknown as Record<string, unknown>).dlk, undefined);
});

test('SoftwareSam: V2 load — MAC1 verified, MAC2 and TAC as in §5.10', async () => {
  const sam = new SoftwareSam(parseKeyFile(v2File));
  assert.equal(await sam.canServe('3100'), true);
  assert.equal(await sam.canServe('2000'), false);
  assert.equal(await sam.canServe('zz'), false);
  const request = {
    asn: '0000000000012345', cityCode: '3100', amountFen: 2000, terminalId: '010000000001',
    init: { oldBalanceFen: 1000, onlineAtc: 7, keyVersion: 1, algorithmId: 0, random: '11223344', mac1: '51DEFC45' },
  };
  assert.equal(await sam.verifyLoadMac1(request), true);
  const { mac2 } = await sam.authorizeLoad(request, { date: '20250601', time: '093000' });
  assert.equal(mac2, '7910D74D');
  const tacCheck = { ...request, hostDateTime: { date: '20250601', time: '093000' }, newBalanceFen: 3000, tac: 'E38A6356' };
  assert.equal(await sam.verifyLoadTac(tacCheck), true);
  assert.equal(await sam.verifyLoadTac({ ...tacCheck, tac: 'E38A6357' }), false);
  assert.equal(await sam.verifyLoadTac({ ...tacCheck, newBalanceFen: 3001 }), false);

  const forged = { ...request, init: { ...request.init, mac1: '51DEFC46' } };
  assert.equal(await sam.verifyLoadMac1(forged), false);
  await assert.rejects(sam.authorizeLoad(forged, { date: '20250601', time: '093000' }), (e: unknown) => e instanceof StationError && e.code === 'CRYPTO');
  await assert.rejects(sam.verifyLoadMac1({ ...request, init: { ...request.init, keyVersion: 2 } }), keysError(/version 2/));
  await assert.rejects(sam.verifyLoadMac1({ ...request, init: { ...request.init, algorithmId: 4 } }), keysError(/algorithm id 4/));
  await assert.rejects(sam.verifyLoadMac1({ ...request, cityCode: '2000' }), keysError(/2000/));
});

test('SoftwareSam agrees with the primitives for the training keys', async () => {
  const raw = JSON.parse(readFileSync(TRAINING_KEY_FILE, 'utf8')) as { issuers: Record<string, { dlk: string; dtk: string; damk: string }> };
  const sam = new SoftwareSam(loadTrainingKeys());
  const asn = '3100000000000042';
  const dlk = diversifyKey(fromHex(raw.issuers['2000']!.dlk), fromHex(asn));
  const seslk = loadSessionKey(dlk, fromHex('CAFEBABE'), 3);
  const terminalId = fromHex('123456789012');
  const mac1 = toHex(loadMac1(seslk, { oldBalanceFen: 500, amountFen: 100, terminalId }));
  const request = { asn, cityCode: '2000', amountFen: 100, terminalId: '123456789012', init: { oldBalanceFen: 500, onlineAtc: 3, keyVersion: 1, algorithmId: 0, random: 'CAFEBABE', mac1 } };
  const { mac2 } = await sam.authorizeLoad(request, { date: '20260102', time: '030405' });
  assert.equal(mac2, toHex(loadMac2(seslk, { amountFen: 100, terminalId, hostDate: fromHex('20260102'), hostTime: fromHex('030405') })));
  const dtk = diversifyKey(fromHex(raw.issuers['2000']!.dtk), fromHex(asn));
  const tac = toHex(loadTac(dtk, { newBalanceFen: 600, onlineAtc: 3, amountFen: 100, terminalId, hostDate: fromHex('20260102'), hostTime: fromHex('030405') }));
  assert.equal(await sam.verifyLoadTac({ ...request, hostDateTime: { date: '20260102', time: '030405' }, newBalanceFen: 600, tac }), true);
  const damk = diversifyKey(fromHex(raw.issuers['2000']!.damk), fromHex(asn));
  const cmd = fromHex('04D696000702AABBCC');
  const smMac = await sam.secureMessagingMac({ asn, cityCode: '2000', challenge: fromHex('01020304'), commandWithoutMac: cmd });
  assert.equal(toHex(smMac), toHex(secureMessagingMac(damk, fromHex('01020304'), cmd)));
});
