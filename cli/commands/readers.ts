import { defaultStationHome } from '../../core/config.ts';
import { pcscSocketFor } from '../../core/lab/lab-registry.ts';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { emit, type CliCommand } from '../command.ts';

export const readersCommand: CliCommand = {
  path: ['readers'],
  summary: 'list card readers and whether a card is present',
  async run(input, io) {
    const access = new PcscCardAccess({ socketPath: pcscSocketFor(defaultStationHome(io.env), io.env) });
    try {
      const readers = await access.readers();
      emit(io, input.json, { readers },
        readers.length === 0 ? 'No readers.' : readers.map((r) => `${r.cardPresent ? '■' : '□'} ${r.name}${r.atr ? `  ATR ${r.atr}` : ''}`).join('\n'));
      return 0;
    } finally {
      await access.close();
    }
  },
};
