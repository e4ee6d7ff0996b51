/** Types of main/electron-binary.mjs. */
export declare function findElectron(env?: NodeJS.ProcessEnv): { path: string; source: string } | { path: null; why: string };
