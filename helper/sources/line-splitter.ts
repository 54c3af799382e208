// Splits a byte stream into complete lines, holding an unterminated tail and dropping overlong lines.
//
// Works on bytes, not strings, so the caller always knows the byte offset just past the last
// complete line: that offset is what a tailer persists, so a restart never re-reads or skips a line.

import { isAscii } from 'node:buffer';

export interface LineSplitterOptions {
  /** Called with each complete line, without its newline (a trailing \r is removed too). */
  readonly onLine: (text: string, endOffset: number) => void;
  /** Lines longer than this many bytes are dropped whole: no filter ever sees a part of one. */
  readonly maxLineBytes?: number;
  /** Told once per dropped line, with the line's length in bytes and the offset where it started. */
  readonly onOverlong?: (lengthBytes: number, startOffset: number) => void;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 10;
/**
 * Lines are cut from blocks of about this size, decoded at once. A line is a slice of its block and
 * keeps the whole block alive while anything holds it: small blocks bound what one kept line costs.
 */
const DECODE_BLOCK_BYTES = 64 * 1024;

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
    if (this.pendingBytes > 0 || this.discarding) {
      // Finish the held line first: it may have begun several chunks ago.
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        this.hold(chunk, 0, chunk.length);
        return;
      }
      this.hold(chunk, 0, newline);
      this.endHeldLine();
      start = newline + 1;
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    while (start <= lastNewline) {
      let blockEnd = lastNewline;
      if (blockEnd - start > DECODE_BLOCK_BYTES) {
        blockEnd = chunk.lastIndexOf(NEWLINE, start + DECODE_BLOCK_BYTES);
        if (blockEnd < start) blockEnd = chunk.indexOf(NEWLINE, start + DECODE_BLOCK_BYTES);
      }
      this.splitComplete(chunk, start, blockEnd);
      start = blockEnd + 1;
    }
    if (start < chunk.length) this.hold(chunk, start, chunk.length);
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

  /** Delivers the lines of chunk[start, end), where chunk[end] is a newline and no line is held. */
  private splitComplete(chunk: Buffer, start: number, end: number): void {
    // Decoding the region once and cutting substrings costs half of decoding line by line. When
    // every byte became one character (ASCII, or one U+FFFD per invalid byte), character
    // positions are byte offsets; otherwise each line is decoded from its own bytes.
    const bytes = chunk.subarray(start, end);
    // ASCII (nearly every log line) decodes as latin1, a plain copy; UTF-8 decoding validates each byte.
    const region = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
    if (region.length !== end - start) {
      let lineStart = start;
      while (lineStart <= end) {
        let lineEnd = chunk.indexOf(NEWLINE, lineStart);
        if (lineEnd === -1 || lineEnd > end) lineEnd = end;
        this.deliver(lineEnd - lineStart, chunk.toString('utf8', lineStart, lineEnd));
        lineStart = lineEnd + 1;
      }
      return;
    }
    let from = 0;
    for (;;) {
      let to = region.indexOf('\n', from);
      if (to === -1) to = region.length;
      this.deliver(to - from, region.slice(from, to));
      if (to === region.length) return;
      from = to + 1;
    }
  }

  /** One complete line of `byteLength` bytes whose newline follows it. */
  private deliver(byteLength: number, text: string): void {
    const lineStart = this.offset;
    this.offset += byteLength + 1;
    this.lineStartOffset = this.offset;
    if (byteLength > this.maxLineBytes) {
      this.options.onOverlong?.(byteLength, lineStart);
      return;
    }
    this.options.onLine(text.endsWith('\r') ? text.slice(0, -1) : text, this.offset);
  }

  /** Keeps chunk[start, end) as the beginning of a line whose newline has not arrived yet. */
  private hold(chunk: Buffer, start: number, end: number): void {
    const length = end - start;
    this.offset += length;
    if (this.discarding) {
      this.discardedBytes += length;
    } else if (this.pendingBytes + length > this.maxLineBytes) {
      this.discarding = true;
      this.discardedBytes = this.pendingBytes + length;
      this.pending = [];
      this.pendingBytes = 0;
    } else if (length > 0) {
      // A copy, not a view: callers reuse their read buffer as soon as push returns.
      this.pending.push(Buffer.from(chunk.subarray(start, end)));
      this.pendingBytes += length;
    }
  }

  /** The newline of the held line arrived (the caller already held the bytes before it). */
  private endHeldLine(): void {
    const lineStart = this.lineStartOffset;
    this.offset += 1;
    this.lineStartOffset = this.offset;
    if (this.discarding) {
      this.options.onOverlong?.(this.discardedBytes, lineStart);
      this.discarding = false;
      this.discardedBytes = 0;
      return;
    }
    let text = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    this.options.onLine(text, this.offset);
  }
}
