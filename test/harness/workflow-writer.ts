// A child process for the workflow kill -9 test: a station (real SQLite file, software SAM)
// tops up emulated CPU cards in a loop until it is killed. Each card keeps its state in a file,
// written after every APDU the card processed (its non-volatile memory), so a kill between the
// card's commit and that write is a tear before commit, and one after it a tear after commit.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Actor } from '../../core/auth.ts';
import { InProcessCardAccess } from '../../core/lab/in-process-access.ts';
import { loadConfig } from '../../core/config.ts';
import { openStation } from '../../core/station.ts';
import { topup } from '../../core/workflows/topup.ts';
import { StationError } from '../../common/errors.ts';
import { CpuCard } from '../../devices/emulator/cpu-card.ts';
import type { CardAnswer, Fault, VirtualCard } from '../../devices/emulator/virtual-card.ts';

export const KILL_READER = 'Virtual Reader 00 00';

/** A card whose state is saved to `file` after every APDU. */
export class PersistentCard implements VirtualCard {
  readonly kind = 'cpu' as const;
  constructor(readonly inner: CpuCard, readonly file: string) {}
  static load(file: string): PersistentCard {
    return new PersistentCard(CpuCard.fromJSON(JSON.parse(readFileSync(file, 'utf8'))), file);
  }
  atr(): Uint8Array { return this.inner.atr(); }
  reset(): void { this.inner.reset(); }
  armFault(f: Fault | null): void { this.inner.armFault(f); }
  toJSON(): unknown { return this.inner.toJSON(); }
  process(apdu: Uint8Array): CardAnswer {
    const answer = this.inner.process(apdu);
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.inner.toJSON()));
    renameSync(`${this.file}.tmp`, this.file);
    return answer;
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.filename === process.argv[1];
if (isEntry) {
  const [home, cardsDir, countText] = process.argv.slice(2);
  if (!home || !cardsDir || !countText) throw new Error('usage: workflow-writer.ts HOME CARDS_DIR COUNT');
  const cards = new InProcessCardAccess([KILL_READER]);
  const station = await openStation({ home, env: { ...process.env, STATION_KEYS: '' }, cards, config: loadConfig(home) });
  const actor: Actor = { staffId: 'admin', name: 'admin', role: 'admin' };
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    const card = PersistentCard.load(path.join(cardsDir, `card${i % Number(countText)}.json`));
    cards.insert(KILL_READER, card);
    try {
      const r = await topup(station, actor, { amount: String(1000 + (i % 7) * 100), reader: KILL_READER });
      process.stdout.write(`ok ${r.entryId}\n`);
    } catch (err) {
      if (!(err instanceof StationError) || err.code === 'INTERNAL') throw err;
      process.stdout.write(`refused ${err.code}\n`);
    }
  }
}
