import { defaultStationHome } from '../../core/config.ts';
import { runDoctor } from '../../core/doctor.ts';
import { pcscSocketFor } from '../../core/lab/lab-registry.ts';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { emit, type CliCommand } from '../command.ts';

const MARK = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL' } as const;

export const doctorCommand: CliCommand = {
  path: ['doctor'],
  summary: 'check PC/SC, readers, database, keys, printer, upstream: each OK or why not',
  async run(input, io) {
    const home = defaultStationHome(io.env);
    // A training station's running lab is found by itself (core/lab/lab-registry.ts).
    const socket = pcscSocketFor(home, io.env);
    const access = new PcscCardAccess({ socketPath: socket });
    try {
      const checks = await runDoctor(home, socket === undefined ? io.env : { ...io.env, PCSCLITE_CSOCK_NAME: socket }, access);
      const failed = checks.filter((c) => c.status === 'fail').length;
      emit(io, input.json, { ok: failed === 0, checks },
        checks.map((c) => `${MARK[c.status]} ${c.name.padEnd(9)} ${c.detail}${c.hint ? `\n     → ${c.hint}` : ''}`).join('\n'));
      return failed === 0 ? 0 : 1;
    } finally {
      await access.close();
    }
  },
};
