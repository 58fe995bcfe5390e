/**
 * Reading a partner's response without trusting its size. The cap is a read cap, not a store cap: once
 * `maxBytes` are in, reading stops and the stream is destroyed, which makes undici destroy the socket, so a
 * 10 GB or endless body costs at most one highWaterMark of memory and never holds the attempt open.
 */
import type { Readable } from 'node:stream';

export interface BoundedRead {
  bytes: Buffer;
  /** True when the body may have had more than `bytes` (reading stopped at the cap). */
  truncated: boolean;
}

function noop(): void {}

/** The first `maxBytes` of `body`; destroys the stream if it did not end within them. */
export async function readAtMost(body: Readable, maxBytes: number): Promise<BoundedRead> {
  // Destroying an unfinished undici body emits an abort error; nobody needs it once we stopped reading.
  body.on('error', noop);
  const chunks: Buffer[] = [];
  let length = 0;
  let truncated = false;
  if (maxBytes > 0) {
    // Leaving the loop early destroys the stream (the async iterator's `return`).
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = maxBytes - length;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      length += Math.min(chunk.length, room);
      if (length >= maxBytes) {
        truncated = true;
        break;
      }
    }
  } else {
    truncated = true;
  }
  if (truncated) body.destroy();
  return { bytes: Buffer.concat(chunks, length), truncated };
}

/**
 * The text of an excerpt: UTF-8, with a multi-byte character cut by the cap left out rather than mangled (a
 * streaming decoder holds back the incomplete tail), and NUL replaced because PostgreSQL text refuses it.
 */
export function decodeExcerpt({ bytes, truncated }: BoundedRead): string {
  return new TextDecoder('utf-8').decode(bytes, { stream: truncated }).replace(/\u0000/g, '\uFFFD');
}
