import { BadInputError, StationError } from '../../common/errors.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, withStation } from '../session.ts';

export const staffAddCommand: CliCommand = {
  path: ['staff', 'add'],
  summary: 'add an operator or supervisor (admin only; new PIN in STATION_NEW_PIN)',
  usage: 'station staff add --operator ADMIN --id ID --name NAME --role operator|supervisor|admin',
  options: { ...ACTOR_OPTIONS, id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
  async run(input, io) {
    const id = stringOpt(input, 'id');
    const name = stringOpt(input, 'name');
    const role = stringOpt(input, 'role');
    if (!id || !name || !role) throw new BadInputError('--id, --name and --role are required');
    const pin = io.env.STATION_NEW_PIN;
    if (!pin) throw new StationError('AUTH', 'No PIN for the new account', 'Set STATION_NEW_PIN (never on the command line)');
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      await addStaff(station, actor, { staffId: id, name, role, pin });
      emit(io, input.json, { staffId: id, name, role }, `Account ${id} (${role}) created`);
      return 0;
    });
  },
};
