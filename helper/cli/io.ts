// What a CLI command gets to talk to the world: streams and exit codes, injected so tests can run commands in-process.

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Exit statuses shared by c2b and croissant2ban (sysexits.h where one fits). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** EX_UNAVAILABLE: the helper cannot be reached. */
  unavailable: 69,
  /** EX_NOPERM: not authorised. */
  notAuthorized: 77,
  /** EX_CONFIG: the configuration is wrong. */
  config: 78,
} as const;

/** A command of c2b: parses its own arguments, returns its exit status. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Thrown for bad arguments; the dispatcher prints the message and the command's usage, exit 2. */
export class UsageError extends Error {}
