export * from './database.ts';
export * from './log-capture.ts';
export * from './ports.ts';
