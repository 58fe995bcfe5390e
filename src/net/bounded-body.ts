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

/**
 * The first `maxBytes` of `body`; destroys the stream if it did not end within them. Read with plain 'data'
 * listeners: an async iterator per response cost a measurable share of each delivery.
 */
export function readAtMost(body: Readable, maxBytes: number): Promise<BoundedRead> {
  // Destroying an unfinished undici body emits an abort error; nobody needs it once we stopped reading.
  body.on('error', noop);
  if (maxBytes <= 0) {
    body.destroy();
    return Promise.resolve({ bytes: Buffer.alloc(0), truncated: true });
  }
  if (body.errored) return Promise.reject(body.errored);
  if (body.destroyed) return Promise.reject(new Error('the response body was closed before it was read'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const stop = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      const room = maxBytes - length;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      length += Math.min(chunk.length, room);
      if (length >= maxBytes) {
        stop();
        body.destroy();
        resolve({ bytes: Buffer.concat(chunks, length), truncated: true });
      }
    };
    const onEnd = () => {
      stop();
      resolve({ bytes: Buffer.concat(chunks, length), truncated: false });
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    // Closed without 'end' or 'error' (destroyed by someone else): the read must still end.
    const onClose = () => {
      stop();
      reject(body.errored ?? new Error('the response body was closed before it ended'));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

const WHOLE_BODY_DECODER = new TextDecoder('utf-8');

/**
 * The text of an excerpt: UTF-8, with a multi-byte character cut by the cap left out rather than mangled (a
 * streaming decoder holds back the incomplete tail), and NUL replaced because PostgreSQL text refuses it.
 */
export function decodeExcerpt({ bytes, truncated }: BoundedRead): string {
  // A decoder left mid-stream keeps state, so only a truncated body needs its own.
  const decoder = truncated ? new TextDecoder('utf-8') : WHOLE_BODY_DECODER;
  return decoder.decode(bytes, { stream: truncated }).replace(/\u0000/g, '\uFFFD');
}
