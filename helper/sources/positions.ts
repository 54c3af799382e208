// Where each source stopped reading, so a restart resumes without losing or repeating a line.

/**
 * A followed file's identity and the offset just past its last delivered line.
 * Journald sources store their cursor here too, under the path "journal:<units>".
 */
export interface FilePosition {
  /** The path the file was followed under (or "journal:<units>"). */
  readonly path: string;
  readonly inode: number;
  readonly device: number;
  /**
   * Hex hash of the file's first line (its first 4 KiB when the first line is longer), because
   * inode numbers are reused; empty while the first line is not complete yet.
   */
  readonly firstLineHash: string;
  /** Byte offset just past the last complete line delivered; never inside a line. */
  readonly offset: number;
  /** Journald cursor of the last delivered entry; files leave it unset. */
  readonly cursor?: string;
}

/** Implemented over SQLite by the store; load and save are synchronous because both are cheap there. */
export interface PositionStore {
  load(path: string): FilePosition | undefined;
  save(position: FilePosition): void;
}

/** A PositionStore that lives only as long as the process: for tests and one-shot runs. */
export class MemoryPositionStore implements PositionStore {
  private readonly positions = new Map<string, FilePosition>();

  constructor(initial: Iterable<FilePosition> = []) {
    for (const position of initial) this.save(position);
  }

  load(path: string): FilePosition | undefined {
    return this.positions.get(path);
  }

  save(position: FilePosition): void {
    this.positions.set(position.path, { ...position });
  }
}
