/** Card crypto: DES/3DES blocks, PBOC MAC, diversification, e-purse cryptograms, suites. */
export * from './des.ts';
export * from './pboc-mac.ts';
export * from './diversify.ts';
export * from './epurse.ts';
export * from './suite.ts';
