// A process in the middle of a card exchange that will not end soon, for clean-shutdown.test.ts:
// the signal rule of every `station` command (cli/shutdown.ts, with a short deadline) around a
// PcscReaderService whose SLOW APDU (test/harness/test-card.ts: 80 34 FF 00, the card thinks
// 2.55 s) keeps a libuv thread blocked in SCardTransmit. Prints `transmitting`, then `answered`
// if the card answers before the process is gone.
import { stopOnSignals } from '../../cli/shutdown.ts';
import { PcscReaderService } from '../../devices/pcsc/index.ts';

stopOnSignals(new AbortController(), Number(process.env.STOP_GRACE_MS ?? 300));
const svc = new PcscReaderService({ socketPath: process.env.PCSCLITE_CSOCK_NAME, apduTimeoutMs: 30_000 });
await svc.start();
const reader = svc.readers().find((r) => r.cardPresent);
if (reader === undefined) throw new Error('no card in the lab');
const card = await svc.connect(reader.name, { exclusive: true, timeoutMs: 30_000 });
process.stdout.write('transmitting\n');
await card.transmit(Uint8Array.from([0x80, 0x34, 0xff, 0x00]));
process.stdout.write('answered\n');
await card.disconnect();
await svc.stop();
