// Line-by-line reading of a child process's output, for tests that drive children by what
// they print (the kill -9 writers print "ready" and one line per durable write; `station
// serve --json` prints its ready line). A partial line is kept until its newline arrives, so
// a child killed mid-write never yields half a line.
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Calls `onLine` for every complete line `stream` produces (without the newline). */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

/**
 * Resolves with the first stdout line `match` accepts; rejects when the child exits first or
 * `timeoutMs` passes (with what the child printed, so the failure says why).
 */
export function waitForLine(child: ChildProcess, match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    let stderr = '';
    child.stderr?.on('data', (c: Buffer | string) => { stderr += c.toString(); });
    const timer = setTimeout(() => reject(new Error(`no matching line within ${timeoutMs} ms; stdout: ${seen.join('\n')}\nstderr: ${stderr}`)), timeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code ?? signal}) before the line; stdout: ${seen.join('\n')}\nstderr: ${stderr}`));
    };
    child.once('exit', onExit);
    if (child.stdout === null) throw new Error('child has no piped stdout');
    onLines(child.stdout, (line) => {
      seen.push(line);
      if (match(line)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(line);
      }
    });
  });
}
