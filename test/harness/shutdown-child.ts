// PC/SC processes that must still end in time, for clean-shutdown.test.ts.
// - SHUTDOWN_CHILD=transmit (default): in the middle of a card exchange that will not end soon:
//   the signal rule of every `station` command (cli/shutdown.ts, with a short deadline) around a
//   PcscReaderService whose SLOW APDU (test/harness/test-card.ts: 80 34 FF 00, the card thinks
//   2.55 s) keeps a libuv thread blocked in SCardTransmit. Prints `transmitting`, then
//   `answered` if the card answers before the process is gone.
// - SHUTDOWN_CHILD=crash: a service watching an empty reader (its status wait blocked in
//   pcscd) when an uncaught error ends the process. Prints `watching`, then throws.
import { stopOnSignals } from '../../cli/shutdown.ts';
import { PcscReaderService } from '../../devices/pcsc/index.ts';

stopOnSignals(new AbortController(), Number(process.env.STOP_GRACE_MS ?? 300));
const svc = new PcscReaderService({ socketPath: process.env.PCSCLITE_CSOCK_NAME, apduTimeoutMs: 30_000 });
await svc.start();
if (process.env.SHUTDOWN_CHILD === 'crash') {
  process.stdout.write('watching\n');
  setTimeout(() => { throw new Error('an unexpected fault (test)'); }, 100);
} else {
  const reader = svc.readers().find((r) => r.cardPresent);
  if (reader === undefined) throw new Error('no card in the lab');
  const card = await svc.connect(reader.name, { exclusive: true, timeoutMs: 30_000 });
  process.stdout.write('transmitting\n');
  await card.transmit(Uint8Array.from([0x80, 0x34, 0xff, 0x00]));
  process.stdout.write('answered\n');
  await card.disconnect();
  await svc.stop();
}
