import pkg from '../package.json';

/** Sent as `user-agent: jobout/<version>` on every export. */
export const VERSION: string = pkg.version;
export const USER_AGENT = `jobout/${VERSION}`;
