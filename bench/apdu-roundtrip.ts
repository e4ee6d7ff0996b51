/**
 * Per-APDU round trip through the full PC/SC stack (smartcard → libpcsclite → pcscd → vpcd →
 * card server, quickack lab) versus the same APDUs on the in-process channel, and the ratio.
 * Also a few exchanges on the plain loopback path (no quickack) in a child process, since
 * libpcsclite fixes its socket per process.
 *
 *   node --import tsx bench/apdu-roundtrip.ts [--n 400] [--plain-n 12] [--no-plain]
 *
 * Last line: `apdu-roundtrip: stack X ms, in-process Y ms, ratio Z` (medians).
 */
import { printFigure } from './figure.ts';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { toHex } from '../common/hex.ts';
import { InProcessChannel } from '../devices/emulator/in-process.ts';
import { PcscReaderService } from '../devices/pcsc/index.ts';
import type { CardChannel } from '../devices/channel.ts';
import { startPcscLab, type PcscLab } from '../test/harness/pcsc-lab.ts';
import { TestCard, testCardJSON } from '../test/harness/test-card.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
/** One raw APDU each (no 61xx/6Cxx follow-ups), like a workflow's reads and its one write. */
const APDUS = [hex('FFCA000000'), hex('00B0000010'), hex('8033000000'), hex('8032000004')];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Stats {
  median: number;
  p95: number;
  n: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95), n: s.length };
}

async function measure(ch: CardChannel, n: number): Promise<Stats> {
  for (let i = 0; i < 20; i++) await ch.transmit(APDUS[i % APDUS.length]!); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const apdu = APDUS[i % APDUS.length]!;
    const t0 = performance.now();
    const answer = await ch.transmit(apdu);
    samples.push(performance.now() - t0);
    if (answer[answer.length - 2] !== 0x90) throw new Error(`unexpected answer ${toHex(answer)}`);
  }
  return stats(samples);
}

async function stackChannel(quickack: boolean): Promise<{ lab: PcscLab; svc: PcscReaderService; ch: Awaited<ReturnType<PcscReaderService['connect']>> }> {
  const lab = await startPcscLab({ quickack, slots: 1 });
  const svc = new PcscReaderService({ socketPath: lab.socketPath });
  try {
    await svc.start();
    const inserted = new Promise<void>((resolve) => svc.on('card-inserted', () => resolve()));
    await lab.insert(0, testCardJSON());
    await inserted;
    const ch = await svc.connect(lab.readerNames[0]!);
    return { lab, svc, ch };
  } catch (err) {
    await svc.stop();
    await lab.stop();
    throw err;
  }
}

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms >= 0.1 ? ms.toFixed(3) : ms.toFixed(4));

async function childPlain(n: number): Promise<void> {
  const { lab, svc, ch } = await stackChannel(false);
  try {
    process.stdout.write(`${JSON.stringify(await measure(ch, n))}\n`);
  } finally {
    await ch.disconnect();
    await svc.stop();
    await lab.stop();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--child-plain')) return childPlain(arg('--child-plain', 12));
  const n = arg('--n', 400);

  const inProc = await measure(new InProcessChannel(new TestCard()), n);

  const { lab, svc, ch } = await stackChannel(true);
  let stack: Stats;
  try {
    stack = await measure(ch, n);
  } finally {
    await ch.disconnect();
    await svc.stop();
    await lab.stop();
  }

  console.log(`APDUs: ${APDUS.map(toHex).join(', ')} (round robin, ${n} timed each path, one raw APDU each)`);
  console.log(`full stack, quickack lab : median ${fmt(stack.median)} ms, p95 ${fmt(stack.p95)} ms`);
  console.log(`in-process channel       : median ${fmt(inProc.median)} ms, p95 ${fmt(inProc.p95)} ms`);

  if (!process.argv.includes('--no-plain')) {
    const plainN = arg('--plain-n', 12);
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'apdu-roundtrip.ts'), '--child-plain', String(plainN)], {
      cwd: path.resolve(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      const plain = JSON.parse(line) as Stats;
      console.log(`full stack, plain loopback: median ${fmt(plain.median)} ms, p95 ${fmt(plain.p95)} ms (${plain.n} exchanges; Nagle vs delayed ACK inside vpcd)`);
    } catch {
      console.log(`plain loopback: not measured (${(r.stderr || line).trim().split('\n').slice(-3).join(' | ')})`);
    }
  }
  const ratio = stack.median / inProc.median;
  printFigure({
    name: 'APDU round trip, full PC/SC stack (quickack lab), median',
    value: stack.median, unit: 'ms',
    baselineName: 'same APDUs through the in-process channel', baseline: inProc.median, baselineUnit: 'ms',
    ratio, ratioMeaning: 'stack / in-process (lower is better)', target: null, met: null,
  });
  console.log(`apdu-roundtrip: stack ${fmt(stack.median)} ms, in-process ${fmt(inProc.median)} ms, ratio ${ratio.toFixed(1)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
