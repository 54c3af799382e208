// Splits a log line into its time, host, syslog tag (program and pid) and message, by offsets only.
//
// Shapes understood (the time part is optional: journald lines arrive without one):
//   <time> host prog[pid]: message         BSD syslog, rsyslog ISO, dovecot's own log
//   <time> prog[pid]: message              no host (some syslog daemons, dovecot's own log)
//   <time> [prog]: message / [prog] message
//   <34>1 <iso> host app procid msgid [sd] message        RFC 5424
//   <34><bsd> host prog[pid]: message                     RFC 3164 with its priority
//   2024/03/04 10:12:01 [error] ...                        nginx error.log: no tag
//   [Mon Mar 04 10:12:01 2024] [error] ...                 apache error.log: no tag
// A message that itself starts with an nginx or apache timestamp (those daemons logging through
// syslog or journald) has it skipped, so filters see the same message either way.
import { TimestampParser } from './timestamp.js';

const SPACE = 32;
/** pid_max on Linux is at most 2^22. */
const PID_LIMIT = 4_194_304;
const COLON = 58;

export class LogLine {
  text = '';
  /** Host token, or -1 when the line has none. */
  hostStart = -1;
  hostEnd = -1;
  /** The syslog tag ("sshd[42]" in "sshd[42]: ..."), or -1. */
  tagStart = -1;
  tagEnd = -1;
  programStart = -1;
  programEnd = -1;
  /** Process id from the tag, or -1. */
  pid = -1;
  /** A hash of the program name, so callers can cache per program without slicing a string per line. */
  programHash = 0;
  messageStart = 0;
  /** Where a filter that reads from the tag on starts: the tag when it is one token, else the message. */
  tagSubjectStart = 0;
  private timeFound = false;
  private timeComputed = false;
  private cachedOwner = -1;
  private cachedTime: number | null = null;
  private readonly timestamp: TimestampParser;
  private readonly embedded: TimestampParser;
  private embeddedFound = false;

  constructor(yearReference: () => number) {
    this.timestamp = new TimestampParser(yearReference);
    this.embedded = new TimestampParser(yearReference);
  }

  /** Epoch ms of the line's own timestamp, or null when it has none (computed once per line). */
  time(): number | null {
    if (this.timeComputed) return this.cachedTime;
    this.timeComputed = true;
    const parser = this.timeFound ? this.timestamp : this.embeddedFound ? this.embedded : null;
    const time = parser === null ? Number.NaN : parser.time();
    this.cachedTime = Number.isNaN(time) ? null : time;
    return this.cachedTime;
  }

  /** The program name of the tag, or null. Allocates: callers cache by it. */
  program(): string | null {
    return this.programStart < 0 ? null : this.text.slice(this.programStart, this.programEnd);
  }

  /**
   * A small integer naming one process on one host: the pid (Linux pids stay below 2^22) times 256
   * plus 8 bits of a hash of host and program. It stays a V8 small integer, the cheapest map key.
   * Callers keep processOwner() with the session to tell apart the rare hosts that share both.
   * Null when the tag has no pid.
   */
  processKey(): number | null {
    if (this.pid < 0) return null;
    return (this.pid % PID_LIMIT) * 256 + (this.processOwner() & 255);
  }

  /** A 31-bit hash of host and program (the part of the process name that is not the pid). */
  processOwner(): number {
    if (this.cachedOwner >= 0) return this.cachedOwner;
    const text = this.text;
    let hash = 0;
    for (let index = this.hostStart >= 0 ? this.hostStart : this.tagStart; index < this.programEnd; index++) {
      hash = (hash * 31 + text.charCodeAt(index)) | 0;
    }
    this.cachedOwner = hash & 0x7fffffff;
    return this.cachedOwner;
  }

  parse(text: string): void {
    this.text = text;
    this.hostStart = this.hostEnd = this.tagStart = this.tagEnd = -1;
    this.programStart = this.programEnd = this.pid = -1;
    this.tagSubjectStart = 0;
    this.timeFound = false;
    this.embeddedFound = false;
    this.timeComputed = false;
    this.cachedOwner = -1;
    let position = 0;
    if (text.charCodeAt(0) === 60) {
      const close = text.indexOf('>', 1);
      if (close > 1 && close <= 4) {
        position = close + 1;
        if (text.charCodeAt(position) === 49 && text.charCodeAt(position + 1) === SPACE) {
          this.parseRfc5424(text, position + 2);
          return;
        }
      }
    }
    if (this.timestamp.parse(text, position)) {
      this.timeFound = true;
      position = this.timestamp.end;
      if (text.charCodeAt(position) === SPACE) position++;
      const format = this.timestamp.format;
      if (format === 'nginx' || format === 'apache') {
        this.messageStart = this.tagSubjectStart = position;
        return;
      }
    }
    this.parseHeader(text, position);
  }

  /** host and tag after the time; the message is what follows. */
  private parseHeader(text: string, start: number): void {
    const firstEnd = text.indexOf(' ', start);
    if (this.readTag(text, start, firstEnd === -1 ? text.length : firstEnd)) {
      this.setMessage(text, firstEnd === -1 ? text.length : firstEnd + 1);
      return;
    }
    if (firstEnd > start) {
      const secondStart = firstEnd + 1;
      const secondEnd = text.indexOf(' ', secondStart);
      if (this.readTag(text, secondStart, secondEnd === -1 ? text.length : secondEnd)) {
        this.hostStart = start;
        this.hostEnd = firstEnd;
        this.setMessage(text, secondEnd === -1 ? text.length : secondEnd + 1);
        return;
      }
    }
    this.setMessage(text, start);
  }

  /**
   * Recognises a syslog tag token [start, end): "prog:", "prog[pid]:", "prog(pid):" (dovecot),
   * "[prog]:" or "[prog]". Sets the tag, program and pid fields when it is one.
   */
  private readTag(text: string, start: number, end: number): boolean {
    if (end - start < 2) return false;
    const last = text.charCodeAt(end - 1);
    let tagEnd: number;
    if (last === COLON) tagEnd = end - 1;
    else if (last === 93 && text.charCodeAt(start) === 91) tagEnd = end;
    else return false;
    if (tagEnd <= start) return false;
    let programStart = start;
    let programEnd: number;
    let hash = 0;
    if (text.charCodeAt(start) === 91) {
      programStart = start + 1;
      programEnd = text.indexOf(']', programStart);
      if (programEnd === -1 || programEnd >= tagEnd || programEnd === programStart) return false;
      for (let index = programStart; index < programEnd; index++) hash = (hash * 31 + text.charCodeAt(index)) | 0;
    } else {
      programEnd = start;
      while (programEnd < tagEnd) {
        const code = text.charCodeAt(programEnd);
        if (code === 91 || code === 40 || code === 60) break; // [ ( <
        hash = (hash * 31 + code) | 0;
        programEnd++;
      }
      if (programEnd === start) return false;
      const open = text.charCodeAt(programEnd);
      if (open === 91 || open === 40) {
        let pid = 0;
        let index = programEnd + 1;
        while (index < tagEnd) {
          const digit = text.charCodeAt(index) - 48;
          if (digit < 0 || digit > 9) break;
          pid = pid * 10 + digit;
          index++;
        }
        const close = text.charCodeAt(index);
        if (index > programEnd + 1 && index < tagEnd + 1 && (close === 93 || close === 41) && index - programEnd <= 11) {
          this.pid = pid;
        }
      }
    }
    this.programHash = hash;
    this.tagStart = start;
    this.tagSubjectStart = start;
    this.tagEnd = tagEnd;
    this.programStart = programStart;
    this.programEnd = programEnd;
    return true;
  }

  private setMessage(text: string, start: number): void {
    this.messageStart = start;
    if (this.tagStart < 0 || this.tagSubjectStart !== this.tagStart) this.tagSubjectStart = start;
    const first = text.charCodeAt(start);
    // nginx and apache through syslog or journald keep their own timestamp in the message.
    if ((first === 91 || (first >= 48 && first <= 57)) && this.embedded.parse(text, start)) {
      const format = this.embedded.format;
      if (format === 'nginx' || format === 'apache') {
        this.embeddedFound = !this.timeFound;
        let position = this.embedded.end;
        if (text.charCodeAt(position) === SPACE) position++;
        this.messageStart = position;
      }
    }
  }

  // TIMESTAMP HOST APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]; "-" is the nil value.
  private parseRfc5424(text: string, start: number): void {
    let position = start;
    if (text.charCodeAt(position) === 45) position++;
    else if (this.timestamp.parse(text, position)) {
      this.timeFound = true;
      position = this.timestamp.end;
    }
    const fields: number[] = [];
    for (let field = 0; field < 4; field++) {
      if (text.charCodeAt(position) !== SPACE) {
        this.setMessage(text, position);
        return;
      }
      const fieldStart = position + 1;
      let fieldEnd = text.indexOf(' ', fieldStart);
      if (fieldEnd === -1) fieldEnd = text.length;
      fields.push(fieldStart, fieldEnd);
      position = fieldEnd;
    }
    const [hostStart, hostEnd, appStart, appEnd, procStart, procEnd] = fields as [number, number, number, number, number, number];
    if (hostEnd - hostStart !== 1 || text.charCodeAt(hostStart) !== 45) {
      this.hostStart = hostStart;
      this.hostEnd = hostEnd;
    }
    if (appEnd - appStart !== 1 || text.charCodeAt(appStart) !== 45) {
      this.programStart = this.tagStart = appStart;
      this.programEnd = appEnd;
      let hash = 0;
      for (let index = appStart; index < appEnd; index++) hash = (hash * 31 + text.charCodeAt(index)) | 0;
      this.programHash = hash;
      this.tagEnd = procEnd;
      const pid = Number(text.slice(procStart, procEnd));
      if (Number.isInteger(pid) && pid >= 0 && procEnd - procStart <= 10) this.pid = pid;
    }
    position++;
    if (text.charCodeAt(position) === 45) position++;
    else {
      // Structured data: [id param="value"]... where values may hold escaped \] and \".
      while (text.charCodeAt(position) === 91) {
        position++;
        let inValue = false;
        while (position < text.length) {
          const code = text.charCodeAt(position);
          if (code === 92) position++;
          else if (code === 34) inValue = !inValue;
          else if (code === 93 && !inValue) break;
          position++;
        }
        position++;
      }
    }
    if (text.charCodeAt(position) === SPACE) position++;
    if (text.charCodeAt(position) === 0xfeff) position++;
    this.setMessage(text, Math.min(position, text.length));
  }
}
