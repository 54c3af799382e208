// Runs a command as another user (uid/gid 65534 "nobody" by default) with setpriv: no shell, no
// sudo, only the supplementary groups the test gives. Used to call the API as an unprivileged user.
import { runCommand, type CommandResult } from './namespace.js';
import { repositoryRoot } from './paths.js';

export const NOBODY = 65534;

export function runAs(
  user: { uid?: number; gid?: number; groups?: readonly number[] },
  command: readonly string[],
  /** prefix: a command run as root around setpriv, such as ['unshare', '--net', '--']. */
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: readonly string[] } = {},
): Promise<CommandResult> {
  const uid = user.uid ?? NOBODY;
  const gid = user.gid ?? NOBODY;
  const groups = user.groups && user.groups.length > 0 ? [`--groups=${user.groups.join(',')}`] : ['--clear-groups'];
  return runCommand([...(options.prefix ?? []), 'setpriv', `--reuid=${uid}`, `--regid=${gid}`, ...groups, '--', ...command], {
    env: { ...options.env, HOME: '/nonexistent' },
    cwd: repositoryRoot,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}
