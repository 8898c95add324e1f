export * from './correlation.ts';
export * from './health.ts';
export * from './problem.ts';
