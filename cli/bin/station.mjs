#!/usr/bin/env node
// Installed entry point (`station`): runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../station.ts');
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());
process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin: async () => { const c = []; for await (const x of process.stdin) c.push(x); return Buffer.concat(c).toString('utf8'); },
  signal: controller.signal,
});
