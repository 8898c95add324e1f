export * from './correlation.ts';
export * from './health.ts';
export * from './principal.ts';
export * from './problem.ts';
