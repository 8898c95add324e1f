/**
 * An OpenAPI-driven HTTP fuzzer for the platform's services. It reads a service's `GET /docs/json`, builds for
 * every operation a handful of requests (a plausible one, then missing, extra, wrong-typed, huge, NUL and
 * lone-surrogate values, deep nesting, bad percent-encodings, over-long path parameters, wrong media types, bad
 * credentials) and checks every answer: never a 5xx, and every error is a problem body carrying `reason` and
 * `correlation_id` (or, where a service speaks another protocol, that protocol's error shape). Raw-socket cases
 * (malformed request lines, oversized or invalid headers, bad URL encoding) go through node:net, since no HTTP
 * client will send them. Everything random comes from one seeded generator, so a failing run is replayed with
 * `FUZZ_SEED=<seed>`.
 */
export * from './fuzz/cases.ts';
export * from './fuzz/openapi.ts';
export * from './fuzz/run.ts';
export * from './fuzz/send.ts';
