// Runs a command as another user (uid/gid 65534 "nobody" by default) with setpriv: no shell, no
// sudo, only the supplementary groups the test gives. Used to call the API as an unprivileged user.
import { spawn } from 'node:child_process';
import type { CommandResult } from './namespace.js';
import { repositoryRoot } from './paths.js';

export const NOBODY = 65534;

export function runAs(
  user: { uid?: number; gid?: number; groups?: readonly number[] },
  command: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const uid = user.uid ?? NOBODY;
  const gid = user.gid ?? NOBODY;
  const groups = user.groups && user.groups.length > 0 ? [`--groups=${user.groups.join(',')}`] : ['--clear-groups'];
  const argv = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, ...groups, '--', ...command];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...options.env, HOME: '/nonexistent' }, cwd: repositoryRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run setpriv: ${error.message}`));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
