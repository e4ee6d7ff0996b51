/** The City Union member directory and the city-code mapping. */
export * from './directory.ts';
export * from './codes.ts';
export * from './tunion-codes.ts';
