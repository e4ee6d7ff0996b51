/** Security module: the interface, the key file and the software implementation. */
export * from './security-module.ts';
export * from './key-file.ts';
export * from './software-sam.ts';
