// Reads a whole log file line by line, fast, for one-shot commands (c2b test-filter, c2b replay).
import { open } from 'node:fs/promises';
import { LineSplitter, type LineSplitterOptions } from './line-splitter.js';

const CHUNK_BYTES = 1024 * 1024;

/**
 * Calls onLine for every complete line of the file; a last line without a newline is delivered too,
 * because a one-shot reader, unlike a tailer, will not see the rest of it arrive.
 */
export async function readFileLines(path: string, options: LineSplitterOptions): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const splitter = new LineSplitter(options);
    // Two buffers: the next chunk is read while the lines of this one are matched.
    const buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
    let which = 0;
    let pending = handle.read(buffers[which]!, 0, CHUNK_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      which ^= 1;
      pending = handle.read(buffers[which]!, 0, CHUNK_BYTES, null);
      splitter.push(buffer.subarray(0, bytesRead));
    }
    if (splitter.heldBytes > 0) splitter.push(Buffer.from('\n'));
  } finally {
    await handle.close();
  }
}
