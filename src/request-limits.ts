/** Request limits shared by every HTTP adapter (GraphQL and REST). */

/** Largest request body accepted, in body-parser's notation: 1 MiB (1,048,576 bytes). Larger bodies get 413. */
export const BODY_LIMIT = '1mb';
