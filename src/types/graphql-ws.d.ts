/**
 * graphql-ws publishes its `ws` adapter only through package "exports", which TypeScript's `moduleResolution:
 * node` (this project's setting) does not read; Node itself resolves `graphql-ws/use/ws` at run time.
 */
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
