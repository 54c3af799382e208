// Splits a byte stream into complete lines, holding an unterminated tail and dropping overlong lines.
//
// Works on bytes, not strings, so the caller always knows the byte offset just past the last
// complete line: that offset is what a tailer persists, so a restart never re-reads or skips a line.

export interface LineSplitterOptions {
  /** Called with each complete line, without its newline (a trailing \r is removed too). */
  readonly onLine: (text: string, endOffset: number) => void;
  /** Lines longer than this many bytes are dropped whole: no filter ever sees a part of one. */
  readonly maxLineBytes?: number;
  /** Told once per dropped line, with the line's length in bytes and the offset where it started. */
  readonly onOverlong?: (lengthBytes: number, startOffset: number) => void;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export class LineSplitter {
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while skipping the rest of a line that already went past maxLineBytes. */
  private discarding = false;
  private discardedBytes = 0;
  private lineStartOffset: number;

  /** @param offset byte offset in the stream of the first byte that will be pushed */
  constructor(private readonly options: LineSplitterOptions, private offset = 0) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.lineStartOffset = offset;
  }

  /** Offset just past the last complete (or dropped) line: where reading would resume. */
  get committedOffset(): number {
    return this.lineStartOffset;
  }

  /** Bytes of an unterminated line being held. */
  get heldBytes(): number {
    return this.discarding ? this.discardedBytes : this.pendingBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      const pieceLength = end - start;
      if (this.discarding) {
        this.discardedBytes += pieceLength;
      } else if (this.pendingBytes + pieceLength > this.maxLineBytes) {
        this.discarding = true;
        this.discardedBytes = this.pendingBytes + pieceLength;
        this.pending = [];
        this.pendingBytes = 0;
      } else if (newline === -1) {
        // A copy, not a view: callers reuse their read buffer as soon as push returns.
        this.pending.push(Buffer.from(chunk.subarray(start, end)));
        this.pendingBytes += pieceLength;
      }
      this.offset += pieceLength;
      if (newline === -1) break;
      this.offset += 1;
      if (this.discarding) {
        this.options.onOverlong?.(this.discardedBytes, this.lineStartOffset);
        this.discarding = false;
        this.discardedBytes = 0;
        this.lineStartOffset = this.offset;
      } else {
        let text: string;
        if (this.pendingBytes === 0) {
          text = chunk.toString('utf8', start, end);
        } else {
          this.pending.push(chunk.subarray(start, end));
          text = Buffer.concat(this.pending).toString('utf8');
          this.pending = [];
          this.pendingBytes = 0;
        }
        if (text.endsWith('\r')) text = text.slice(0, -1);
        this.lineStartOffset = this.offset;
        this.options.onLine(text, this.offset);
      }
      start = newline + 1;
    }
  }

  /** Forgets a held partial line (e.g. the file was truncated under it). */
  reset(offset: number): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
    this.discardedBytes = 0;
    this.offset = offset;
    this.lineStartOffset = offset;
  }
}
