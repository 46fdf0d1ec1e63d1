import * as path from 'node:path';
import { isCI } from '../../scripts/ci';

const ROOT = path.resolve(__dirname, '../..');

/** A prerequisite a suite lacks: what is missing and how to fix it, each a clause of one sentence. */
export interface Missing {
  readonly what: string;
  readonly fix: string;
}

/**
 * An error jest shows as its message alone: jest prints a stack under the message of an error that fails a suite
 * or the global setup, and a code frame of the line that threw; for a missing tool both only hide the sentence.
 */
export function sentenceError(sentence: string): Error {
  const error = new Error(sentence);
  error.stack = sentence;
  return error;
}

/** The failure of `suite` in CI: one sentence, what is missing and how to fix it. */
export const ciFailure = (suite: string, missing: Missing): Error =>
  sentenceError(`${suite} cannot run in CI: ${missing.what}; ${missing.fix}.`);

/** The test file jest is loading, relative to the repository (expect's state names it while the file loads). */
export function currentSuite(): string {
  const testPath = (globalThis as { expect?: { getState(): { testPath?: string } } }).expect?.getState().testPath;
  return testPath ? path.relative(ROOT, testPath) : 'this suite';
}

/**
 * The one rule for a suite whose prerequisite is missing (`undefined`: nothing is, and it runs). In CI (scripts/ci.ts)
 * it throws, which fails the suite and the run with one sentence; elsewhere it writes one line, not a console.warn
 * with its stack frame, and tells the suite to skip.
 */
export function runOrSkip(missing: Missing | undefined, suite: string = currentSuite()): boolean {
  if (!missing) return true;
  if (isCI()) throw ciFailure(suite, missing);
  process.stdout.write(`skip ${suite}: ${missing.what}; ${missing.fix}.\n`);
  return false;
}
