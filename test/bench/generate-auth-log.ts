// Writes a realistic, reproducible auth.log for benchmarks: mostly routine lines, ~20% failures from ~5,000 attackers.
import { createWriteStream } from 'node:fs';

/** A small deterministic PRNG (mulberry32), so every run measures the same file. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** A first octet outside 0/8, 10/8, 127/8 and the multicast and reserved ranges, so attackers look public. */
function publicFirstOctet(next: () => number): number {
  for (;;) {
    const octet = 1 + Math.floor(next() * 222);
    if (octet !== 10 && octet !== 127) return octet;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const USERS = ['root', 'admin', 'test', 'user', 'oracle', 'postgres', 'ubuntu', 'git', 'ftpuser', 'guest', 'pi', 'deploy'];

export interface GeneratedLog {
  readonly lines: number;
  readonly failureLines: number;
  readonly attackers: number;
}

export async function generateAuthLog(path: string, options: { lines: number; attackers: number; seed?: number }): Promise<GeneratedLog> {
  const next = random(options.seed ?? 20261121);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const attackers: string[] = [];
  for (let index = 0; index < options.attackers; index++) {
    attackers.push(
      next() < 0.1
        ? `2001:db8:${Math.floor(next() * 0xffff).toString(16)}::${Math.floor(next() * 0xffff).toString(16)}`
        : `${publicFirstOctet(next)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}`,
    );
  }
  const staff = ['192.0.2.10', '192.0.2.11', '198.51.100.20'];
  const out = createWriteStream(path);
  let failureLines = 0;
  const active: string[] = [];
  let time = Date.UTC(2026, 9, 1, 0, 0, 0);
  let pid = 1000;
  let buffer = '';
  for (let index = 0; index < options.lines; index++) {
    time += Math.floor(next() * 400);
    const date = new Date(time);
    const stamp = `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${date.toISOString().slice(11, 19)}`;
    const head = `${stamp} web01`;
    const roll = next();
    let line: string;
    if (roll < 0.2) {
      failureLines++;
      // Attacks come in bursts: most failures are from one of the last few active attackers.
      const address = active.length > 0 && next() < 0.8 ? pick(active) : pick(attackers);
      if (!active.includes(address)) {
        active.push(address);
        if (active.length > 8) active.shift();
      }
      const port = 1024 + Math.floor(next() * 60000);
      const user = pick(USERS);
      const shape = next();
      pid++;
      if (shape < 0.45) line = `${head} sshd[${pid}]: Failed password for ${user} from ${address} port ${port} ssh2`;
      else if (shape < 0.7) line = `${head} sshd[${pid}]: Failed password for invalid user ${user} from ${address} port ${port} ssh2`;
      else if (shape < 0.88) line = `${head} sshd[${pid}]: Invalid user ${user} from ${address} port ${port}`;
      else line = `${head} sshd[${pid}]: error: maximum authentication attempts exceeded for ${user} from ${address} port ${port} ssh2 [preauth]`;
    } else if (roll < 0.35) {
      line = `${head} CRON[${pid++}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`;
    } else if (roll < 0.5) {
      line = `${head} CRON[${pid}]: pam_unix(cron:session): session closed for user root`;
    } else if (roll < 0.62) {
      line = `${head} sshd[${pid++}]: Accepted publickey for deploy from ${pick(staff)} port ${1024 + Math.floor(next() * 60000)} ssh2: ED25519 SHA256:3q2+7w`;
    } else if (roll < 0.72) {
      line = `${head} sshd[${pid}]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)`;
    } else if (roll < 0.8) {
      line = `${head} systemd-logind[611]: New session ${pid} of user deploy.`;
    } else if (roll < 0.88) {
      line = `${head} sshd[${pid}]: Received disconnect from ${pick(staff)} port ${1024 + Math.floor(next() * 60000)}:11: disconnected by user`;
    } else if (roll < 0.94) {
      line = `${head} sudo: deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`;
    } else {
      line = `${head} sshd[${pid}]: Connection closed by ${pick(attackers)} port ${1024 + Math.floor(next() * 60000)}`;
    }
    buffer += `${line}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { lines: options.lines, failureLines, attackers: options.attackers };
}
