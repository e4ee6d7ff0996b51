// The private PC/SC lab lives in devices/pcsc/lab.ts (it is also the product's training lab,
// `station sim --lab`); tests get it from here with the tiny test card always loaded.
import path from 'node:path';
import { startPcscLab as startLab, type PcscLab, type PcscLabOptions } from '../../devices/pcsc/lab.ts';

export { processGone, type PcscLab, type PcscLabOptions, type LabFault } from '../../devices/pcsc/lab.ts';

const TEST_CARDS = path.join(import.meta.dirname, 'test-card.ts');

export function startPcscLab(opts: PcscLabOptions = {}): Promise<PcscLab> {
  return startLab({ ...opts, cardModules: [TEST_CARDS, ...(opts.cardModules ?? [])] });
}
