// The holder's ID number for `station lost` / `station replace`: from STATION_ID_NUMBER or the
// first line of stdin, kept off the command line; --id-number still works but warns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import type { CliIO, CommandInput } from '../../cli/command.ts';
import { idNumberInput } from '../../cli/id-number.ts';

const ID = '11010519491231002X';

function io(env: Record<string, string>, stdin = ''): CliIO & { err: string[] } {
  const err: string[] = [];
  return { env, err, stdout: () => undefined, stderr: (t) => { err.push(t); }, readStdin: async () => stdin, signal: new AbortController().signal };
}
const input = (values: CommandInput['values']): CommandInput => ({ values, positionals: [], json: false });

test('STATION_ID_NUMBER is used, with no warning', async () => {
  const x = io({ STATION_ID_NUMBER: ` ${ID} ` });
  assert.equal(await idNumberInput(input({}), x), ID);
  assert.deepEqual(x.err, []);
});

test('--id-number-stdin reads the first line of stdin', async () => {
  const x = io({}, `${ID}\nignored\n`);
  assert.equal(await idNumberInput(input({ 'id-number-stdin': true }), x), ID);
  assert.deepEqual(x.err, []);
  await assert.rejects(idNumberInput(input({ 'id-number-stdin': true }), io({}, '\n')), (e: unknown) => e instanceof StationError && e.code === 'BAD_INPUT');
});

test('--id-number still works and warns that ps shows it', async () => {
  const x = io({});
  assert.equal(await idNumberInput(input({ 'id-number': ID }), x), ID);
  assert.match(x.err.join(''), /warning: --id-number .*ps.*STATION_ID_NUMBER/);
});

test('two ways at once is refused; none gives undefined (the workflow then says it is missing)', async () => {
  await assert.rejects(idNumberInput(input({ 'id-number': ID }), io({ STATION_ID_NUMBER: ID })), /more than one way/);
  assert.equal(await idNumberInput(input({}), io({})), undefined);
});
