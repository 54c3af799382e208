// Follows the log files that a path or glob names and emits their complete lines, across rotation and restarts.
//
// How a line is never lost or read twice:
// - Every wake-up (fs.watch on the directories, or the safety poll) reads each open file from its
//   read offset to EOF, so a coalesced or missed event only delays lines.
// - A file is known by its identity (device, inode, hash of its first line), not by its path. When
//   the path stops naming an open file (rename+create, delete+recreate), the old descriptor is read
//   to EOF and kept draining for a grace period, because writers reopen their log a moment later.
// - A file that shrank below the read offset, or whose first line changed, was truncated in place
//   (copytruncate): it is read again from 0.
// - Only the offset past the last complete line is saved, after each batch of delivered lines. A
//   restart resumes there when the identity still matches, also under another name the pattern
//   matches; a file rotated away while stopped is found among the path's rotated names and its
//   rest read first; any other file is read from its start.
import { createHash } from 'node:crypto';
import { constants, watch, type FSWatcher } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import type { SourceLine } from '../core/events.js';
import { expandLogPathPattern, parseLogPathPattern, type LogPathPattern, type WatchedDirectory } from './glob.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';
import type { FilePosition, PositionStore } from './positions.js';

export type SourceWarningCode =
  | 'missing'
  | 'unreadable'
  | 'not-a-file'
  | 'overlong-line'
  | 'read-failed'
  | 'line-handler-failed'
  | 'position-not-saved'
  | 'not-watched'
  | 'journal-failed'
  | 'journal-entry-invalid'
  | 'journal-cursor-rejected';

/** Something an admin should hear about; the source keeps going after every one of them. */
export interface SourceWarning {
  readonly code: SourceWarningCode;
  /** The file, directory, pattern or "journal:<units>" concerned. */
  readonly origin: string;
  /** One sentence: what happened, where, and what to do. */
  readonly message: string;
}

export interface Source {
  /** Resolves once the source has caught up with what is available now. */
  start(): Promise<void>;
  /** Releases every watcher, timer, descriptor and child process. */
  stop(): Promise<void>;
}

export interface FileSource extends Source {
  /** Rescans the pattern and reads every file to its end; resolves once all written before the call is delivered. */
  poll(): Promise<void>;
}

export interface FileSourceOptions {
  /** Config service name, copied into every line. */
  readonly service: string;
  /** Absolute path, or glob in any component, e.g. /var/log/nginx/*error.log. */
  readonly pattern: string;
  readonly positions: PositionStore;
  /** Synchronous: once it returns for every line of a batch, the batch's offset is saved. */
  readonly onLine: (line: SourceLine) => void;
  readonly onWarning: (warning: SourceWarning) => void;
  /** Safety poll, for events fs.watch does not give (NFS, symlinked directories...). Default 1000. */
  readonly pollIntervalMs?: number;
  /**
   * How long a rotated-away or deleted file keeps being read, for a writer that has not reopened
   * its log yet; also how long a followed file may be missing before that is reported. Default 10000.
   */
  readonly rotationGraceMs?: number;
  /** Longer lines are dropped whole with a warning. Default 64 KiB. */
  readonly maxLineBytes?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 1000;
export const DEFAULT_ROTATION_GRACE_MS = 10_000;
/** The first line is hashed up to this many bytes, so a file with a huge first line has an identity too. */
export const FIRST_LINE_HASH_BYTES = 4096;
const READ_CHUNK_BYTES = 256 * 1024;
/** One busy file must not keep the others of the source waiting. */
const MAX_BYTES_PER_FILE_PER_WAKEUP = 16 * 1024 * 1024;

/** Throws when the pattern cannot name a log file (relative, or a directory). */
export function createFileSource(options: FileSourceOptions): FileSource {
  return new FileFollower(options, parseLogPathPattern(options.pattern));
}

interface FollowedFile {
  /** Path it was last seen under: the origin of its lines. */
  path: string;
  /** Its target when the path is a symlink, so the target's directory is watched too. */
  readonly realPath: string;
  readonly key: string;
  readonly device: number;
  readonly inode: number;
  readonly handle: FileHandle;
  readonly splitter: LineSplitter;
  /** Next byte to read; ahead of splitter.committedOffset by a held partial line. */
  readOffset: number;
  firstLineHash: string;
  savedOffset: number;
  savedHash: string;
  /** Set once the path no longer names this file: read until then, then closed. */
  drainUntil: number | null;
  /** So a failing read or save is reported once, not at every wake-up. */
  readFailing: boolean;
  saveFailing: boolean;
}

interface Watch {
  readonly watcher: FSWatcher;
  readonly device: number;
  readonly inode: number;
  isRelevant: (name: string) => boolean;
}

interface PollWaiter {
  readonly generation: number;
  readonly resolve: () => void;
}

class FileFollower implements FileSource {
  private readonly pollIntervalMs: number;
  private readonly rotationGraceMs: number;
  private readonly buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  /** By identity key "device:inode": files some matched path names now. */
  private readonly current = new Map<string, FollowedFile>();
  /** By identity key: files no path names any more, read until their grace period ends. */
  private readonly draining = new Map<string, FollowedFile>();
  private readonly watches = new Map<string, Watch>();
  /** Path problems already reported, so a poll does not repeat them; forgotten once solved. */
  private readonly reported = new Map<string, SourceWarningCode>();
  private missingSince: number | null = null;
  private missingReported = false;
  /** Set when a file had more to read than one wake-up reads: poll() waiters must wait for the rest. */
  private behind = false;
  /** Paths opened since start: only a path's first opening looks for its file rotated away while stopped. */
  private readonly openedPaths = new Set<string>();
  private watchFailureReported = false;
  private hasScanned = false;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;
  private scanRequested = false;
  private readRequested = false;
  private pumping: Promise<void> | null = null;
  private requestedGeneration = 0;
  private pumpFailureReported = false;
  private waiters: PollWaiter[] = [];

  constructor(private readonly options: FileSourceOptions, private readonly pattern: LogPathPattern) {
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.rotationGraceMs = options.rotationGraceMs ?? DEFAULT_ROTATION_GRACE_MS;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error(`the file source for ${this.pattern.text} was already started`);
    this.started = true;
    this.timer = setInterval(() => this.request({ scan: true }), this.pollIntervalMs);
    await this.poll();
  }

  poll(): Promise<void> {
    if (!this.started) return Promise.reject(new Error(`start() the file source for ${this.pattern.text} before poll()`));
    if (this.stopped) return Promise.resolve();
    this.request({ scan: true });
    const generation = this.requestedGeneration;
    return new Promise((resolve) => this.waiters.push({ generation, resolve }));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    for (const entry of this.watches.values()) entry.watcher.close();
    this.watches.clear();
    await this.pumping;
    const files = [...this.draining.values(), ...this.current.values()];
    this.draining.clear();
    this.current.clear();
    await Promise.all(files.map((file) => file.handle.close().catch(() => undefined)));
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private request(work: { scan: boolean }): void {
    if (this.stopped) return;
    if (work.scan) this.scanRequested = true;
    else this.readRequested = true;
    this.requestedGeneration += 1;
    if (this.pumping === null) this.pumping = this.pump();
  }

  /** The only place files are read: one wake-up at a time, so lines keep their order. */
  private async pump(): Promise<void> {
    try {
      while ((this.scanRequested || this.readRequested) && !this.stopped) {
        const generation = this.requestedGeneration;
        const scan = this.scanRequested;
        this.scanRequested = false;
        this.readRequested = false;
        this.behind = false;
        try {
          // The old file's tail comes before the new file's first lines.
          await this.readDraining();
          if (scan) await this.scan();
          for (const file of [...this.current.values()]) {
            if (this.stopped) break;
            await this.readFile(file);
          }
          this.pumpFailureReported = false;
        } catch (error) {
          if (!this.pumpFailureReported) {
            this.pumpFailureReported = true;
            this.warn('read-failed', this.pattern.text, `reading ${this.pattern.text} failed: ${describe(error)}; retrying at every poll`);
          }
        }
        if (this.behind) continue;
        const ready = this.waiters.filter((waiter) => waiter.generation <= generation);
        this.waiters = this.waiters.filter((waiter) => waiter.generation > generation);
        for (const waiter of ready) waiter.resolve();
      }
    } finally {
      // Synchronously after the last check of the flags, so a request made now starts a new pump.
      this.pumping = null;
    }
  }

  private async scan(): Promise<void> {
    const expansion = await expandLogPathPattern(this.pattern);
    const stillFailing = new Set<string>();
    for (const failure of expansion.failures) {
      stillFailing.add(failure.path);
      this.report('unreadable', failure.path, `cannot list directory ${failure.path} for ${this.pattern.text}: ${describe(failure.error)}; files in it are not followed until it is readable`);
    }

    // Identity key -> path, for every regular file the pattern names now.
    const present = new Map<string, string>();
    for (const path of expansion.files) {
      let info;
      try {
        info = await stat(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          stillFailing.add(path);
          this.report('unreadable', path, `cannot read ${path}: ${describe(error)}; the other log files are still followed`);
        }
        continue;
      }
      if (!info.isFile()) {
        // A glob matching a directory or socket is normal; a configured path naming one is a mistake.
        if (!this.pattern.isGlob) {
          stillFailing.add(path);
          this.report('not-a-file', path, `${path} is ${describeType(info)}, not a log file: correct the log path of service ${this.options.service}`);
        }
        continue;
      }
      const key = identityKey(info.dev, info.ino);
      if (!present.has(key)) present.set(key, path);
    }

    for (const file of [...this.current.values()]) {
      const path = present.get(file.key);
      if (path !== undefined) {
        file.path = path;
        continue;
      }
      // Renamed away or deleted: its descriptor still reads what was written to it.
      await this.readFile(file);
      this.current.delete(file.key);
      file.drainUntil = Date.now() + this.rotationGraceMs;
      this.draining.set(file.key, file);
    }

    const appearing: string[] = [];
    for (const [key, path] of present) {
      if (this.current.has(key)) continue;
      const returning = this.draining.get(key);
      if (returning !== undefined) {
        this.draining.delete(key);
        returning.drainUntil = null;
        returning.path = path;
        this.current.set(key, returning);
        continue;
      }
      appearing.push(path);
    }
    // By the identity each was saved for: a file renamed within the pattern while we were stopped resumes too.
    const savedByIdentity = new Map<string, FilePosition>();
    for (const path of appearing) {
      const saved = this.options.positions.load(path);
      if (saved !== undefined) savedByIdentity.set(identityKey(saved.device, saved.inode), saved);
    }
    for (const path of appearing) {
      if (!(await this.openFile(path, { savedByIdentity, presentKeys: new Set(present.keys()) }))) stillFailing.add(path);
    }

    for (const origin of [...this.reported.keys()]) {
      if (!stillFailing.has(origin)) this.reported.delete(origin);
    }
    this.checkMissing({ isMissing: present.size === 0 && stillFailing.size === 0 });
    this.hasScanned = true;
    this.updateWatches(expansion.directories);
  }

  /** Reports a pattern that names no file: at once on the first scan, else after the rotation grace period. */
  private checkMissing({ isMissing }: { isMissing: boolean }): void {
    const origin = this.pattern.text;
    if (!isMissing) {
      this.missingSince = null;
      this.missingReported = false;
      return;
    }
    const now = Date.now();
    this.missingSince ??= now;
    if (this.missingReported || (this.hasScanned && now - this.missingSince < this.rotationGraceMs)) return;
    this.missingReported = true;
    const message = this.pattern.isGlob
      ? `no file matches ${origin} yet (service ${this.options.service}); files that appear will be read from their start`
      : `${origin} does not exist yet (service ${this.options.service}); it will be read from its start when it appears`;
    this.options.onWarning({ code: 'missing', origin, message });
  }

  /** Returns false when the path could not be opened (already reported). */
  private async openFile(path: string, known: { savedByIdentity: ReadonlyMap<string, FilePosition>; presentKeys: ReadonlySet<string> }): Promise<boolean> {
    let handle: FileHandle;
    try {
      // O_NONBLOCK: a FIFO swapped in after the stat must not hang the open.
      handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return true;
      const hint = code === 'EACCES' || code === 'EPERM'
        ? 'give the helper read access to it (check its mode, ACLs, SELinux or AppArmor)'
        : 'it is retried at every poll';
      this.report('unreadable', path, `cannot read ${path}: ${describe(error)}; the other log files are still followed; ${hint}`);
      return false;
    }
    try {
      const info = await handle.stat();
      const key = identityKey(info.dev, info.ino);
      if (!info.isFile() || this.current.has(key) || this.draining.has(key)) {
        await handle.close();
        return true;
      }
      const firstLineHash = await hashFirstLine(handle);
      const found = { device: info.dev, inode: info.ino, size: info.size, firstLineHash };
      const ownSaved = this.options.positions.load(path);
      const resumable = [ownSaved, known.savedByIdentity.get(key)].find((saved) => saved !== undefined && isSameFile(saved, found));
      const isFirstOpening = !this.openedPaths.has(path);
      this.openedPaths.add(path);
      if (isFirstOpening && ownSaved !== undefined && ownSaved !== resumable && ownSaved.offset > 0
        && !known.presentKeys.has(identityKey(ownSaved.device, ownSaved.inode))) {
        // Rotated while we were stopped: its unread rest comes before the new file's first line.
        await this.readRotatedRest(path, ownSaved);
      }
      this.current.set(key, this.track({ path, realPath: await realpath(path).catch(() => path), handle, device: info.dev, inode: info.ino, offset: resumable?.offset ?? 0, firstLineHash }));
      return true;
    } catch (error) {
      await handle.close().catch(() => undefined);
      this.report('unreadable', path, `cannot read ${path}: ${describe(error)}; the other log files are still followed`);
      return false;
    }
  }

  /**
   * Finds the file a saved position was for among the path's rotated names (auth.log.1,
   * auth.log-20240101, auth-20240101.log...) and reads it from the saved offset; gives up quietly.
   */
  private async readRotatedRest(path: string, saved: FilePosition): Promise<void> {
    const directory = posix.dirname(path);
    const base = posix.basename(path);
    const stem = base.lastIndexOf('.') > 0 ? base.slice(0, base.lastIndexOf('.')) : base;
    let names: string[];
    try {
      names = await readdir(directory);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (name === base || !name.startsWith(stem)) continue;
      const candidate = posix.join(directory, name);
      const info = await stat(candidate).catch(() => null);
      if (info === null || !info.isFile() || info.dev !== saved.device || info.ino !== saved.inode) continue;
      let handle: FileHandle;
      try {
        handle = await open(candidate, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
      } catch {
        return;
      }
      const firstLineHash = await hashFirstLine(handle).catch(() => '');
      if (!isSameFile(saved, { device: info.dev, inode: info.ino, size: info.size, firstLineHash })) {
        await handle.close().catch(() => undefined);
        return;
      }
      const file = this.track({ path, realPath: candidate, handle, device: info.dev, inode: info.ino, offset: saved.offset, firstLineHash });
      file.drainUntil = Date.now() + this.rotationGraceMs;
      this.draining.set(file.key, file);
      await this.readFile(file);
      return;
    }
  }

  private track(opened: { path: string; realPath: string; handle: FileHandle; device: number; inode: number; offset: number; firstLineHash: string }): FollowedFile {
    const { offset, firstLineHash } = opened;
    const maxLineBytes = this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    const file: FollowedFile = {
      path: opened.path,
      realPath: opened.realPath,
      key: identityKey(opened.device, opened.inode),
      device: opened.device,
      inode: opened.inode,
      handle: opened.handle,
      splitter: new LineSplitter({
        maxLineBytes,
        onLine: (text) => this.deliver(file, text),
        onOverlong: (lengthBytes, startOffset) => this.options.onWarning({
          code: 'overlong-line',
          origin: file.path,
          message: `dropped a line of ${lengthBytes} bytes at offset ${startOffset} in ${file.path}: longer than the ${maxLineBytes}-byte limit`,
        }),
      }, offset),
      readOffset: offset,
      firstLineHash,
      savedOffset: offset,
      savedHash: firstLineHash,
      drainUntil: null,
      readFailing: false,
      saveFailing: false,
    };
    return file;
  }

  private deliver(file: FollowedFile, text: string): void {
    try {
      this.options.onLine({ service: this.options.service, origin: file.path, text });
    } catch (error) {
      // One line a later stage chokes on must not stop the log from being followed.
      this.options.onWarning({
        code: 'line-handler-failed',
        origin: file.path,
        message: `a line from ${file.path} could not be processed: ${describe(error)}`,
      });
    }
  }

  private async readDraining(): Promise<void> {
    for (const file of [...this.draining.values()]) {
      if (this.stopped) return;
      await this.readFile(file);
      if (file.drainUntil !== null && Date.now() >= file.drainUntil) {
        // Its writer has moved on: an unterminated last line is all that will ever come.
        if (file.splitter.heldBytes > 0) file.splitter.push(Buffer.from('\n'));
        this.draining.delete(file.key);
        await file.handle.close().catch(() => undefined);
      }
    }
  }

  private async readFile(file: FollowedFile): Promise<void> {
    try {
      await this.restartIfTruncated(file);
      let budget = MAX_BYTES_PER_FILE_PER_WAKEUP;
      while (!this.stopped) {
        const { bytesRead } = await file.handle.read(this.buffer, 0, this.buffer.length, file.readOffset);
        if (bytesRead === 0) break;
        file.readOffset += bytesRead;
        // Hashed before the lines go out: between delivering lines and asking to save the position
        // past them there must be no await, or the pipeline could commit one without the other.
        if (file.firstLineHash === '') file.firstLineHash = await hashFirstLine(file.handle);
        file.splitter.push(this.buffer.subarray(0, bytesRead));
        if (file.drainUntil === null) this.savePosition(file);
        budget -= bytesRead;
        if (budget <= 0) {
          this.behind = true;
          this.request({ scan: false });
          break;
        }
      }
      file.readFailing = false;
    } catch (error) {
      if (file.readFailing) return;
      file.readFailing = true;
      this.warn('read-failed', file.path, `reading ${file.path} failed: ${describe(error)}; retrying at every wake-up`);
    }
  }

  private async restartIfTruncated(file: FollowedFile): Promise<void> {
    const { size } = await file.handle.stat();
    if (size === file.readOffset) return;
    // Truncated and refilled past our offset before we looked: only the first line tells.
    const truncated = size < file.readOffset
      || (file.readOffset > 0 && file.firstLineHash !== '' && (await hashFirstLine(file.handle)) !== file.firstLineHash);
    if (!truncated) return;
    file.splitter.reset(0);
    file.readOffset = 0;
    file.firstLineHash = await hashFirstLine(file.handle);
  }

  private savePosition(file: FollowedFile): void {
    const offset = file.splitter.committedOffset;
    if (offset === file.savedOffset && file.firstLineHash === file.savedHash) return;
    try {
      this.options.positions.save({
        path: file.path,
        inode: file.inode,
        device: file.device,
        firstLineHash: file.firstLineHash,
        offset,
      });
      file.savedOffset = offset;
      file.savedHash = file.firstLineHash;
      file.saveFailing = false;
    } catch (error) {
      if (file.saveFailing) return;
      file.saveFailing = true;
      this.warn('position-not-saved', file.path, `cannot save the read position of ${file.path}: ${describe(error)}; after a restart some of its lines may be read again`);
    }
  }

  private updateWatches(directories: readonly WatchedDirectory[]): void {
    if (this.stopped) return;
    const wanted = new Map<string, WatchedDirectory>();
    for (const directory of directories) wanted.set(directory.path, directory);
    // A followed symlink's target may live elsewhere: its writes must wake us too.
    for (const file of this.current.values()) {
      const directory = posix.dirname(file.realPath);
      const name = posix.basename(file.realPath);
      const known = wanted.get(directory);
      if (known === undefined) {
        if (directory !== posix.dirname(file.path)) {
          // Identity 0:0 means "not checked": a recreated target directory is found by the next symlink stat.
          wanted.set(directory, { path: directory, device: 0, inode: 0, isRelevant: (entry) => entry === name });
        }
      } else if (!known.isRelevant(name)) {
        wanted.set(directory, { ...known, isRelevant: (entry) => entry === name || known.isRelevant(entry) });
      }
    }
    for (const [path, entry] of this.watches) {
      const directory = wanted.get(path);
      const replaced = directory !== undefined && directory.inode !== 0 && entry.inode !== 0
        && (directory.inode !== entry.inode || directory.device !== entry.device);
      if (directory === undefined || replaced) {
        entry.watcher.close();
        this.watches.delete(path);
      }
    }
    for (const directory of wanted.values()) {
      const existing = this.watches.get(directory.path);
      if (existing !== undefined) {
        existing.isRelevant = directory.isRelevant;
        continue;
      }
      try {
        const watcher = watch(directory.path, { persistent: true }, (eventType, name) => this.onDirectoryEvent(directory.path, eventType, name));
        watcher.on('error', () => {
          // The directory went away: the next scan watches whatever replaces it.
          watcher.close();
          if (this.watches.get(directory.path)?.watcher === watcher) this.watches.delete(directory.path);
          this.request({ scan: true });
        });
        this.watches.set(directory.path, { watcher, device: directory.device, inode: directory.inode, isRelevant: directory.isRelevant });
      } catch (error) {
        // Gone since the scan is normal; out of inotify watches means slower wake-ups, which an admin should know.
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === 'ENOSPC' || code === 'EMFILE') && !this.watchFailureReported) {
          this.watchFailureReported = true;
          this.warn('not-watched', directory.path, `cannot watch ${directory.path} for changes: ${describe(error)}; its files are still read at every poll (${this.pollIntervalMs} ms); raise the sysctls fs.inotify.max_user_watches and fs.inotify.max_user_instances`);
        }
      }
    }
  }

  private onDirectoryEvent(directory: string, eventType: string, name: string | null): void {
    if (this.stopped) return;
    if (name === null) {
      this.request({ scan: true });
      return;
    }
    const path = posix.join(directory, name);
    const isOpen = [...this.current.values()].some((file) => file.path === path || file.realPath === path);
    if (eventType === 'change' && isOpen) {
      this.request({ scan: false });
    } else if (this.watches.get(directory)?.isRelevant(name) === true || isOpen) {
      this.request({ scan: true });
    } else if (this.draining.size > 0) {
      // A rotated-away file is written to under a name we do not know (access.log.1...).
      this.request({ scan: false });
    }
  }

  /** Warns once per origin until the problem goes away. */
  private report(code: SourceWarningCode, origin: string, message: string): void {
    if (this.reported.get(origin) === code) return;
    this.reported.set(origin, code);
    this.options.onWarning({ code, origin, message });
  }

  private warn(code: SourceWarningCode, origin: string, message: string): void {
    this.options.onWarning({ code, origin, message });
  }
}

/** Whether a saved position was taken on this very file: same inode, same first line, not longer than it. */
function isSameFile(saved: FilePosition, found: { device: number; inode: number; size: number; firstLineHash: string }): boolean {
  if (saved.cursor !== undefined || saved.device !== found.device || saved.inode !== found.inode) return false;
  if (saved.offset > found.size) return false;
  return saved.offset === 0 || saved.firstLineHash === found.firstLineHash;
}

function identityKey(device: number, inode: number): string {
  return `${device}:${inode}`;
}

/** Hash of the first line with its newline, or of the first FIRST_LINE_HASH_BYTES; '' until either exists. */
async function hashFirstLine(handle: FileHandle): Promise<string> {
  const buffer = Buffer.alloc(FIRST_LINE_HASH_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, FIRST_LINE_HASH_BYTES, 0);
  const newline = buffer.subarray(0, bytesRead).indexOf(10);
  const end = newline !== -1 ? newline + 1 : bytesRead === FIRST_LINE_HASH_BYTES ? bytesRead : 0;
  if (end === 0) return '';
  return createHash('sha256').update(buffer.subarray(0, end)).digest('hex');
}

/** "permission denied (EACCES)" rather than Node's "EACCES: permission denied, open '/x'": the caller names the file. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') return error.message;
  const text = error.message.replace(/^[A-Z0-9_]+: /, '').replace(/, \w+ '.*'$/, '');
  return `${text} (${code})`;
}

function describeType(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
