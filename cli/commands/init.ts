import { StationError } from '../../common/errors.ts';
import { validatePin } from '../../core/auth.ts';
import { defaultStationHome } from '../../core/config.ts';
import { assertInitAllowed, createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { PASSPHRASE_ENV, importKeyFile } from '../../core/station-keys.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';

export const initCommand: CliCommand = {
  path: ['init'],
  summary: 'create the station configuration, database and first admin in STATION_HOME',
  usage: 'station init [--training] [--city-code HEX4] [--terminal-id HEX12] [--keys FILE] [--admin-pin PIN] [--force]\n' +
    `  a live station keeps --keys FILE encrypted in STATION_HOME/keys with the passphrase in ${PASSPHRASE_ENV}`,
  options: {
    training: { type: 'boolean' },
    'city-code': { type: 'string' },
    'terminal-id': { type: 'string' },
    keys: { type: 'string' },
    'admin-pin': { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(input, io) {
    const home = defaultStationHome(io.env);
    const adminPin = stringOpt(input, 'admin-pin');
    if (adminPin !== undefined) validatePin(adminPin);
    const training = input.values.training === true;
    let keysFile = stringOpt(input, 'keys');
    if (keysFile !== undefined && !training) {
      // A live station's issuer keys are encrypted at rest (docs/SECURITY.md): the plain file
      // is imported into STATION_HOME/keys and may then be deleted.
      assertInitAllowed(home, input.values.force === true);
      keysFile = importKeyFile(home, 'live', keysFile, io.env[PASSPHRASE_ENV]).keysFile;
    }
    const config = initStationHome({
      home,
      training,
      cityCode: stringOpt(input, 'city-code'),
      terminalId: stringOpt(input, 'terminal-id'),
      keysFile,
      force: input.values.force === true,
    });
    const admin = adminPin === undefined ? null : await createFirstAdmin(home, config, adminPin, io.env).catch((err: unknown) => {
      throw err instanceof StationError ? err : new StationError('STORAGE', `could not create the admin account: ${(err as Error).message}`);
    });
    emit(io, input.json, { home, config, admin },
      `Station ${config.stationId} initialised in ${home}\n  mode ${config.mode}, city ${config.cityCode}, terminal ${config.terminalId}` +
      (config.keysFile ? `\n  keys ${config.keysFile}` : '\n  no key file: loads need a SAM or the upstream host') +
      (admin ? `\n  account "${admin}" (role admin) created` : '\n  no account yet: run again with --admin-pin PIN --force'));
    return 0;
  },
};
