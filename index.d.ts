// rhttp has the same public API as node:http, so it has the same types:
// re-exported from @types/node rather than copied, so they cannot drift.
/// <reference types="node" />
export * from 'node:http';
