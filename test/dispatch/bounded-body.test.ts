/** Reading a partner's answer up to the cap: every way a body can end ends the read. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readAtMost } from '../../src/net/bounded-body';

describe('a bounded read', () => {
  it('returns a body that ends within the cap, whole', async () => {
    await expect(readAtMost(Readable.from([Buffer.from('{"ok":'), Buffer.from('true}')]), 100)).resolves.toEqual({ bytes: Buffer.from('{"ok":true}'), truncated: false });
  });

  it('stops at the cap and destroys the rest', async () => {
    const body = Readable.from([Buffer.from('abcdef'), Buffer.from('ghij')]);
    await expect(readAtMost(body, 8)).resolves.toEqual({ bytes: Buffer.from('abcdefgh'), truncated: true });
    expect(body.destroyed).toBe(true);
  });

  it('ends, with an error, when the body is closed before it ends and without an error of its own', async () => {
    const body = new Readable({ read() {} });
    body.push('partial');
    const read = readAtMost(body, 100);
    body.destroy(); // after the read began listening
    await expect(read).rejects.toThrow(/closed before it ended/);
  });

  it('ends at once when the body was already destroyed', async () => {
    const body = new Readable({ read() {} });
    body.destroy();
    await expect(readAtMost(body, 100)).rejects.toThrow(/closed before it was read/);
  });

  it('passes on the error the body failed with', async () => {
    const body = new Readable({ read() {} });
    const read = readAtMost(body, 100);
    body.destroy(new Error('socket hang up'));
    await expect(read).rejects.toThrow('socket hang up');
  });
});
