/**
 * `station keys …` — the issuer key file at rest (docs/SECURITY.md "Key handling").
 * Passphrases come from STATION_KEYS_PASSPHRASE, never from argv; no command prints a key.
 */
import path from 'node:path';
import { BadInputError } from '../../common/errors.ts';
import { NO_READERS } from '../../core/card-access.ts';
import { defaultStationHome, loadConfig, resolveKeysFile } from '../../core/config.ts';
import { PASSPHRASE_ENV, encryptKeyFileTo, importStationKeys, loadStationKeys } from '../../core/station-keys.ts';
import { openStation } from '../../core/station.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor } from '../session.ts';

export const keysEncryptCommand: CliCommand = {
  path: ['keys', 'encrypt'],
  summary: `encrypt a plain key file (passphrase in ${PASSPHRASE_ENV}); no station needed`,
  usage: `${PASSPHRASE_ENV}=… station keys encrypt PLAIN.json --out ENCRYPTED.json [--force]`,
  options: { out: { type: 'string' }, force: { type: 'boolean' } },
  allowPositionals: true,
  async run(input, io) {
    const [file, ...extra] = input.positionals;
    const out = stringOpt(input, 'out');
    if (file === undefined || extra.length > 0 || out === undefined) throw new BadInputError('Name one plain key file and --out FILE');
    const keys = encryptKeyFileTo(file, out, io.env[PASSPHRASE_ENV], input.values.force === true);
    emit(io, input.json, { out: path.resolve(out), keys }, `Encrypted ${keys.cityCodes().length} issuer(s) into ${out}${keys.isTest ? ' (test keys: a live station refuses them)' : ''}\nDelete the plain file once the encrypted one is in place.`);
    return 0;
  },
};

export const keysImportCommand: CliCommand = {
  path: ['keys', 'import'],
  summary: `encrypt a key file into STATION_HOME/keys and use it (admin; ${PASSPHRASE_ENV})`,
  usage: `STATION_PIN=… ${PASSPHRASE_ENV}=… station keys import FILE --operator ADMIN`,
  options: { ...ACTOR_OPTIONS },
  allowPositionals: true,
  async run(input, io) {
    const [file, ...extra] = input.positionals;
    if (file === undefined || extra.length > 0) throw new BadInputError('Name one key file to import');
    const home = defaultStationHome(io.env);
    const config = loadConfig(home);
    // The station opens without its security module: the keys it has may be what is being fixed.
    const station = await openStation({ home, env: io.env, cards: NO_READERS, config, sam: null });
    try {
      const actor = await cliActor(station, input, io);
      const { keysFile, keys } = await importStationKeys(station, actor, file, io.env[PASSPHRASE_ENV]);
      const note = io.env.STATION_KEYS ? `\nNote: STATION_KEYS is set and wins over config.json; unset it to use the imported file.` : '';
      emit(io, input.json, { keysFile, keys }, `Imported ${keys.cityCodes().length} issuer(s) into ${path.join(home, keysFile)} (encrypted)\nDelete the plain file ${file} once you have a backup of the encrypted one.${note}`);
      return 0;
    } finally {
      await station.close();
    }
  },
};

export const keysShowCommand: CliCommand = {
  path: ['keys', 'show'],
  summary: 'the station\'s key file: where, encrypted or not, test or not, which issuers (never the keys)',
  usage: `[${PASSPHRASE_ENV}=…] station keys show`,
  async run(input, io) {
    const home = defaultStationHome(io.env);
    const config = loadConfig(home);
    const file = resolveKeysFile(home, config, io.env);
    const keys = loadStationKeys(home, config, io.env);
    if (keys === null) {
      emit(io, input.json, { file: null, keys: null }, 'No key file: loads need a SAM or the upstream host');
      return 0;
    }
    emit(io, input.json, { file, keys }, `${file}\n  ${keys.encrypted ? 'encrypted' : 'plain'}${keys.isTest ? ', test keys (training only)' : ''}\n  issuers ${keys.cityCodes().join(', ')}`);
    return 0;
  },
};
