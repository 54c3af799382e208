// Decides whether a regex written by an admin may run on attacker-influenced lines (ReDoS guard).
//
// The budget: one line must never stall the helper for more than 100 ms. Lines reach filters at up
// to 64 KiB (the reader drops longer ones). recheck (a static and fuzzing ReDoS analyser) reports
// the worst-case matching cost as a function of the input length n:
//   - safe (constant or linear): accepted as is.
//   - exponential: refused; no line length makes it safe.
//   - polynomial of degree 3 or more: refused; even 1 KiB lines reach 10^9 steps.
//   - polynomial of degree 2 (typically an unanchored "Failed .* from (\S+)"): accepted, but only
//     tried on lines of at most QUADRATIC_LINE_LIMIT characters. 4096^2 is about 1.7e7 backtracking
//     steps, some tens of milliseconds in V8, while 65536^2 would be seconds. Real authentication
//     failures are far shorter (sshd truncates user names to 100 bytes), so the limit costs no
//     detection in practice; the admin is told, and anchoring the regex lifts the limit.
//   - unknown (recheck gave up or timed out): refused, since safety was not shown.
import { createRequire } from 'node:module';
import type { Diagnostics } from 'recheck';

export const QUADRATIC_LINE_LIMIT = 4096;
const CHECK_TIMEOUT_MS = 5000;

export type RedosVerdict =
  | { readonly accepted: true; readonly maxLineLength: number | null }
  | { readonly accepted: false; readonly reason: string };

const verdicts = new Map<string, RedosVerdict>();

type CheckSync = (source: string, flags: string, parameters?: { timeout?: number }) => Diagnostics;
let checkSync: CheckSync | null = null;

/** recheck takes about 100 ms to load: only configurations with their own regexes pay for it. */
function analyser(): CheckSync {
  checkSync ??= (createRequire(import.meta.url)('recheck') as { checkSync: CheckSync }).checkSync;
  return checkSync;
}

function describeAttack(diagnostics: Diagnostics): string {
  if (diagnostics.status !== 'vulnerable') return '';
  const sample = diagnostics.attack.string;
  const shown = sample.length > 40 ? `${JSON.stringify(sample.slice(0, 40))}...` : JSON.stringify(sample);
  return ` (an input like ${shown} makes it backtrack)`;
}

/** Analyses source (JavaScript syntax, compiled with flags) once; results are cached by source. */
export function redosVerdict(source: string, flags: string): RedosVerdict {
  const key = `${flags}/${source}`;
  const cached = verdicts.get(key);
  if (cached !== undefined) return cached;
  let diagnostics: Diagnostics;
  try {
    diagnostics = analyser()(source, flags, { timeout: CHECK_TIMEOUT_MS });
  } catch (error) {
    return { accepted: false, reason: `the ReDoS analysis failed (${(error as Error).message}), so it cannot be shown safe` };
  }
  let verdict: RedosVerdict;
  if (diagnostics.status === 'safe') {
    verdict = { accepted: true, maxLineLength: null };
  } else if (diagnostics.status === 'unknown') {
    const error = diagnostics.error;
    const why = error.kind === 'timeout' ? `the analysis did not finish within ${CHECK_TIMEOUT_MS / 1000} s` : `${error.kind}${'message' in error ? `: ${error.message}` : ''}`;
    verdict = { accepted: false, reason: `its matching cost could not be bounded (${why}); simplify it (fewer nested or adjacent repetitions)` };
  } else if (diagnostics.complexity.type === 'exponential') {
    verdict = {
      accepted: false,
      reason: `it can take exponential time on a crafted line${describeAttack(diagnostics)}; avoid nested repetition such as (a+)+ or (\\w+\\s?)*`,
    };
  } else if (diagnostics.complexity.degree >= 3) {
    verdict = {
      accepted: false,
      reason: `it can take ${diagnostics.complexity.summary} time on a crafted line${describeAttack(diagnostics)}; anchor it with ^ and replace .* between fixed words by narrower classes such as \\S+ or [^ ]*`,
    };
  } else {
    verdict = { accepted: true, maxLineLength: QUADRATIC_LINE_LIMIT };
  }
  verdicts.set(key, verdict);
  return verdict;
}
