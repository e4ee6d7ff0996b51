// The training lab as `npm start` runs it: `station sim --lab --json` as a child process of a
// training station's home (it registers itself in STATION_HOME/lab.json), with an optional
// first card; stopped by its handle ('quit' on stdin, then SIGKILL by pid if it hangs).
import type { ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { spawnStation } from './cli.ts';

export interface TrainingLab {
  child: ChildProcess;
  socket: string;
  readers: string[];
  output: () => string;
  stop(): Promise<void>;
}

export async function startTrainingLab(env: NodeJS.ProcessEnv, cards: string[] = []): Promise<TrainingLab> {
  const child = spawnStation(['sim', '--lab', '--json', ...cards.flatMap((c) => ['--card', c])], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const lines = readline.createInterface({ input: child.stdout! });
  let replies = 0;
  const ready = await new Promise<{ socket: string; readers: string[] }>((resolve, reject) => {
    let found: { socket: string; readers: string[] } | null = null;
    const timer = setTimeout(() => reject(new Error(`station sim --lab did not start:\n${out}`)), 120_000);
    lines.on('line', (line) => {
      out += `${line}\n`;
      let e: { event?: string; socket?: string; readers?: string[]; ok?: boolean };
      try { e = JSON.parse(line) as typeof e; } catch { return; }
      if (e.event === 'ready') found = { socket: e.socket!, readers: e.readers! };
      if (e.event === 'reply') {
        if (e.ok !== true) { clearTimeout(timer); reject(new Error(`station sim --lab refused a card:\n${out}`)); }
        replies += 1;
      }
      // Ready once the lab is up and every first card is on its reader.
      if (found !== null && replies === cards.length) { clearTimeout(timer); resolve(found); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`station sim --lab exited ${code}:\n${out}`)); });
  });
  return {
    child, ...ready, output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.stdin!.end('quit\n');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(t);
    },
  };
}
