export * from './canonical-json.ts';
export * from './chain.ts';
