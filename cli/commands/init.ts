import { defaultStationHome } from '../../core/config.ts';
import { initStationHome } from '../../core/station-home.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';

export const initCommand: CliCommand = {
  path: ['init'],
  summary: 'create the station configuration in STATION_HOME',
  usage: 'station init [--training] [--city-code HEX4] [--terminal-id HEX12] [--keys FILE] [--force]',
  options: {
    training: { type: 'boolean' },
    'city-code': { type: 'string' },
    'terminal-id': { type: 'string' },
    keys: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(input, io) {
    const home = defaultStationHome(io.env);
    const config = initStationHome({
      home,
      training: input.values.training === true,
      cityCode: stringOpt(input, 'city-code'),
      terminalId: stringOpt(input, 'terminal-id'),
      keysFile: stringOpt(input, 'keys'),
      force: input.values.force === true,
    });
    emit(io, input.json, { home, config },
      `Station ${config.stationId} initialised in ${home}\n  mode ${config.mode}, city ${config.cityCode}, terminal ${config.terminalId}` +
      (config.keysFile ? `\n  keys ${config.keysFile}` : '\n  no key file: loads need a SAM or the upstream host'));
    return 0;
  },
};
