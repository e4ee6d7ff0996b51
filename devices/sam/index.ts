/** Security module: the interface, the key file (plain or encrypted at rest) and the software implementation. */
export * from './security-module.ts';
export * from './key-file.ts';
export * from './key-file-crypto.ts';
export * from './software-sam.ts';
