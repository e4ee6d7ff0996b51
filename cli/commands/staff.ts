/**
 * `station staff add|list|unlock|reset-pin|deactivate|activate`. Who may do what is decided
 * in core/staff-admin.ts (docs/SECURITY.md "Staff accounts"); a PIN never comes from argv
 * (other users of the PC see it in ps): the acting person's in STATION_PIN, a new one in
 * STATION_NEW_PIN or on the first line of standard input.
 */
import { chinaDateTime } from '../../common/china-time.ts';
import { BadInputError, StationError } from '../../common/errors.ts';
import { addStaff, listStaff, resetStaffPin, setStaffActivity, unlockStaff, type StaffView } from '../../core/staff-admin.ts';
import { emit, stringOpt, type CliCommand, type CliIO, type CommandInput } from '../command.ts';
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

function stateText(s: StaffView): string {
  if (!s.active) return 'deactivated';
  if (s.locked) return `locked until ${chinaDateTime(s.lockedUntil!)} (China time)`;
  return s.failedAttempts > 0 ? `active, ${s.failedAttempts} wrong PIN(s)` : 'active';
}

export const staffListCommand: CliCommand = {
  path: ['staff', 'list'],
  summary: 'list staff accounts: role, active, locked (supervisor or admin)',
  usage: 'station staff list --operator ID [--json]   (PIN in STATION_PIN)',
  options: { ...ACTOR_OPTIONS },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const staff = await listStaff(station, actor);
      emit(io, input.json, { staff }, staff.map((s) => `${s.staffId}\t${s.name}\t${s.role}\t${stateText(s)}`).join('\n'));
      return 0;
    });
  },
};

/** The one staff ID a tool acts on: `station staff unlock ID`. */
function targetId(input: CommandInput, verb: string): string {
  if (input.positionals.length !== 1) throw new BadInputError(`station staff ${verb} takes one staff ID`, `station staff ${verb} ID --operator YOUR_ID`);
  return input.positionals[0]!;
}

/** The new PIN: STATION_NEW_PIN, else the first line of standard input (a prompt, a pipe). */
async function newPin(io: CliIO): Promise<string> {
  if (io.env.STATION_NEW_PIN) return io.env.STATION_NEW_PIN;
  const line = (await io.readStdin()).split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (line === '') throw new StationError('AUTH', 'No new PIN given', 'Set STATION_NEW_PIN or type the new PIN on standard input (never on the command line)');
  return line;
}

function toolCommand(verb: string, summary: string, act: (station: Parameters<typeof unlockStaff>[0], actor: Parameters<typeof unlockStaff>[1], id: string, io: CliIO) => Promise<StaffView>, done: string): CliCommand {
  return {
    path: ['staff', verb],
    summary,
    usage: `station staff ${verb} ID --operator YOUR_ID [--json]   (your PIN in STATION_PIN${verb === 'reset-pin' ? '; the new PIN in STATION_NEW_PIN or on stdin' : ''})`,
    options: { ...ACTOR_OPTIONS },
    allowPositionals: true,
    async run(input, io) {
      const id = targetId(input, verb);
      return withStation(io, async (station) => {
        const actor = await cliActor(station, input, io);
        const view = await act(station, actor, id, io);
        emit(io, input.json, view, `${id}: ${done} (${stateText(view)})`);
        return 0;
      });
    },
  };
}

export const staffUnlockCommand = toolCommand('unlock', 'unlock an account locked by wrong PINs (supervisor: a clerk\'s; admin: anyone else\'s)',
  (station, actor, id) => unlockStaff(station, actor, id), 'unlocked');
export const staffResetPinCommand = toolCommand('reset-pin', 'set a new PIN for an account and unlock it (new PIN in STATION_NEW_PIN or stdin)',
  async (station, actor, id, io) => resetStaffPin(station, actor, id, await newPin(io)), 'PIN reset');
export const staffDeactivateCommand = toolCommand('deactivate', 'deactivate an account (it can no longer log in; nothing is deleted)',
  (station, actor, id) => setStaffActivity(station, actor, id, false), 'deactivated');
export const staffActivateCommand = toolCommand('activate', 'reactivate a deactivated account',
  (station, actor, id) => setStaffActivity(station, actor, id, true), 'activated');
