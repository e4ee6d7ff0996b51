/**
 * The spooler for machines without CUPS (or a printer that watches a folder): it copies the
 * PDF into a directory, under a name that never overwrites an earlier job.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { StationError } from '../../common/errors.ts';
import type { PrintJobOptions, PrintResult, Spooler } from './spooler.ts';

export class FileSpooler implements Spooler {
  readonly kind = 'file' as const;

  constructor(readonly dir: string) {}

  async print(file: string, job: PrintJobOptions = {}): Promise<PrintResult> {
    const started = performance.now();
    if (!existsSync(file)) throw new StationError('STORAGE', `Nothing to print: ${file} does not exist`);
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      throw new StationError('STORAGE', `Cannot create the print folder ${this.dir}`, 'Check the folder in the station settings', { cause: err });
    }
    const base = (job.title ?? path.basename(file, '.pdf')).replace(/[^A-Za-z0-9._\u4e00-\u9fff-]/g, '_');
    const copies = Math.max(1, job.copies ?? 1);
    let output = '';
    for (let c = 0; c < copies; c++) {
      let n = 0;
      do {
        output = path.join(this.dir, n === 0 ? `${base}.pdf` : `${base}-${n}.pdf`);
        n++;
      } while (existsSync(output));
      try {
        copyFileSync(file, output);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new StationError(code === 'ENOSPC' ? 'DISK_FULL' : 'STORAGE', `Cannot write ${output}: ${(err as Error).message}`, undefined, { cause: err });
      }
    }
    return { spooler: 'file', queue: null, jobId: null, file, output, durationMs: Math.round(performance.now() - started) };
  }
}
