/** What the web apps (apps/pp-web, apps/cp-web) share: the HTTP client, refusal words, formatting, clocks. */
export * from './format.ts';
export * from './http.ts';
export * from './reasons.ts';
export * from './use-now.ts';
