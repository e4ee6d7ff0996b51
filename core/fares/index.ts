/** The fare engine of FARES.md: rule table (rules.ts), input validation (input.ts), interpreter (engine.ts). */
export * from './rules.ts';
export * from './input.ts';
export * from './engine.ts';
export * from './explain-log.ts';
export * from './explain-view.ts';
