/** City Union e-purse client (station side). */
export * from './tlv.ts';
export * from './fci.ts';
export * from './files.ts';
export * from './cpu-client.ts';
export * from './read-card.ts';
export * from './load.ts';
export * from './card-tx.ts';
