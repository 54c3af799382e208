// Builds log lines as rsyslog writes them, for tests that feed a followed file.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mmm dd HH:MM:SS" in local time (BSD syslog, no year). */
export function syslogStamp(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${MONTHS[date.getMonth()]} ${String(date.getDate()).padStart(2, ' ')} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `count` sshd "Failed password" lines for one address, one second apart from `at`. */
export function sshFailures(address: string, count: number, at: number): string {
  let text = '';
  for (let index = 0; index < count; index++) {
    text += `${syslogStamp(at + index * 1000)} host sshd[${7000 + index}]: Failed password for invalid user admin from ${address} port ${50000 + index} ssh2\n`;
  }
  return text;
}
