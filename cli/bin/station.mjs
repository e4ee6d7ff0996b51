#!/usr/bin/env node
// Installed entry point (`station`): runs the TypeScript CLI through tsx (signals as in cli/shutdown.ts).
import { register } from 'tsx/esm/api';
register();
const { runProcess } = await import('../station.ts');
await runProcess();
