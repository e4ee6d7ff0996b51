// Electron's entry (package.json "main"). The shell is TypeScript like the rest of the station
// and runs through tsx's loader, as `station` does (cli/bin/station.mjs): no separate build of
// main/. Electron ≥ 28 loads an ESM main and waits for its top-level await.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
