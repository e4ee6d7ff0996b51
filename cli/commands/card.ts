import { existsSync } from 'node:fs';
import { systemClock } from '../../common/clock.ts';
import { formatYuan } from '../../common/money.ts';
import { configPath, defaultStationHome, loadConfig } from '../../core/config.ts';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { pcscSocketFor } from '../../core/lab/lab-registry.ts';
import { TRAINING_CITY_CODE } from '../../core/station-home.ts';
import { defaultCityCodes, readCard, type CardView } from '../../core/workflows/read-card.ts';
import { explainViewLog, type LogLineExplanation } from '../../core/fares/index.ts';
import { openStationDb } from '../../core/station-db.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';

function human(v: CardView, explained: LogLineExplanation[] | null): string {
  const lines = [
    `${v.kind === 'tunion' ? 'T-Union (交通联合)' : v.kind.toUpperCase()} card on ${v.reader}`,
    `  number   ${v.asn ?? v.cardNo ?? ''}${v.uid ? `  UID ${v.uid}` : ''}`,
    `  city     ${v.city ?? 'unknown'} (${v.cityCode ?? '?'})${v.brand ? ` ${v.brand}` : ''}${v.otherCity ? '  [other member city]' : ''}`,
    `  status   ${v.status}${v.flags.length > 1 ? ` (${v.flags.join(', ')})` : ''}`,
    `  balance  ${v.balanceFen === null ? 'unavailable' : `¥${formatYuan(v.balanceFen)}`}${v.depositFen !== null ? `   deposit ¥${formatYuan(v.depositFen)}` : ''}`,
    `  valid    ${v.issueDate ?? '?'} → ${v.expiryDate ?? '?'}`,
  ];
  const tu = v.tunion;
  if (tu !== null) {
    const where = `${tu.city ?? 'city unknown'}${tu.cityCode === null ? ' (no EF 0017)' : ` (${tu.cityCode})`}${tu.province ? `, ${tu.province}` : ''}`;
    lines.push(`  T-Union  ${tu.cardNo}  issued in ${where}${tu.cardType ? `  card type ${tu.cardType}` : ''}${tu.interoperable === false ? '  (local only)' : ''}`);
  }
  if (v.kind === 'cpu' && tu !== null) {
    // A dual card: both purses, and which one a top-up here loads.
    lines.push(`  purses   City Union ${v.balanceFen === null ? 'unavailable' : `¥${formatYuan(v.balanceFen)}`} (a top-up here loads this one) · T-Union ¥${formatYuan(tu.balanceFen)}`);
  }
  for (const op of v.incomplete) lines.push(`  ⚠ incomplete ${op.workflow} of ¥${formatYuan(op.amountFen)} (${op.state}, ${op.createdAt})`);
  if (v.log.length > 0) lines.push('  log:');
  v.log.forEach((r, i) => {
    lines.push(`    #${r.seq}  ${r.at ?? '????-??-??'}  ${r.typeName.padEnd(10)} ¥${formatYuan(r.amountFen).padStart(9)}  terminal ${r.terminal}`);
    // What the fare rules say of the record (FARES.md "Explaining a card's log").
    const ex = explained?.[i];
    if (ex) lines.push(`          ${ex.verdict}: ${ex.note}`);
  });
  return lines.join('\n');
}

export const cardReadCommand: CliCommand = {
  path: ['card', 'read'],
  summary: 'read the card on a reader (kind, number, city, status, balance, log)',
  usage: 'station card read [--reader NAME] [--json]',
  options: { reader: { type: 'string' } },
  async run(input, io) {
    const home = defaultStationHome(io.env);
    // Reading works before `station init` too: then without the registry and intents.
    const config = existsSync(configPath(home)) ? loadConfig(home) : null;
    const access = new PcscCardAccess({ socketPath: pcscSocketFor(home, io.env), defaultReader: config?.defaultReader ?? null });
    const db = config ? await openStationDb(home, config) : null;
    try {
      const view = await access.withCard(stringOpt(input, 'reader'), (ch) => readCard(db, ch, config?.cityCode ?? TRAINING_CITY_CODE, systemClock()));
      const logExplain = explainViewLog(view, { cityCode: config?.cityCode ?? TRAINING_CITY_CODE, terminalId: config?.terminalId ?? null }, defaultCityCodes());
      emit(io, input.json, logExplain === null ? view : { ...view, logExplain }, human(view, logExplain));
      return 0;
    } finally {
      await access.close();
      await db?.close();
    }
  },
};
