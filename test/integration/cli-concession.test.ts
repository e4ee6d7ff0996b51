// `station issue --card-type`, `station concession check|verify --json` (issue 17 item 2) through
// the PC/SC lab: a 老年卡 sold registered with its eligibility gets its first 年审 date; the check
// says what a 年审 would write; verify refuses evidence carrying a document number, then writes
// and reads the date back. The CLI runs on today's clock, so the dates are compared with what
// the check itself answers, never with a fixed date.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { runStation, runStationOk } from '../harness/cli.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

const { after, before, test } = suiteNeeding(PCSC_LAB);
const ASN = '3100000000007101';
let lab: PcscLab;
let home: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  lab = await startPcscLab({ slots: 1 });
  home = mkdtempSync(path.join(os.tmpdir(), 'cli-concession-'));
  env = { ...process.env, ...lab.env, STATION_HOME: home, STATION_KEYS: '', STATION_PIN: '2468' };
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env);
  await runStationOk(['shift', 'open', '--operator', 'admin', '--float', '10000'], env);
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: ASN, enabled: false }).toJSON());
});
after(async () => {
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('老年卡 sold with --card-type, 年审 check and verify with --json', async () => {
  const sale = JSON.parse((await runStationOk(['issue', '--operator', 'admin', '--card-type', '02', '--eligibility', '老年证 checked', '--name', '王老五', '--json'],
    { ...env, STATION_ID_NUMBER: '11010519491231002X' })).stdout) as { cardType: string; verifiedUntil: string };
  assert.equal(sale.cardType, '02');
  assert.match(sale.verifiedUntil, /^\d{4}-01-31$/, '老年卡: end of January');

  const check = JSON.parse((await runStationOk(['concession', 'check', '--operator', 'admin', '--json'], env)).stdout) as Record<string, string>;
  assert.deepEqual([check.asn, check.cardType, check.verifiedUntil, check.state], [ASN, '02', sale.verifiedUntil, 'valid']);

  const refused = await runStation(['concession', 'verify', '--operator', 'admin', '--evidence', '老年证 110105194912', '--json'], env);
  assert.notEqual(refused.code, 0);

  const done = JSON.parse((await runStationOk(['concession', 'verify', '--operator', 'admin', '--card', ASN, '--evidence', '老年证 checked', '--json'], env)).stdout) as Record<string, string>;
  assert.deepEqual([done.previousUntil, done.verifiedUntil], [sale.verifiedUntil, check.newVerifiedUntil]);
  const state = (await lab.cardState(0)) as { ef001c: string };
  assert.equal(state.ef001c.slice(2, 10), check.newVerifiedUntil!.replaceAll('-', ''));
});
