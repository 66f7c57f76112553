/**
 * requires(suite, capability, why): skips the running test, with the engine's documented reason, when the
 * engine lacks a capability the scenario needs (e2e/driver/gaps.mjs). A capability lacking without a reason
 * listed there fails the test instead. Each skip is appended to E2E_RUN_LOG (one JSON line), which
 * e2e/run.mjs prints at the end and checks against vitest's own count of skipped tests.
 */
import { appendFileSync } from 'node:fs';
import type { TestContext } from 'vitest';
import type { Browser } from '../driver';
import { CAPABILITIES, GAPS, type Capability } from '../driver/gaps.mjs';

/** What requires() reads of a suite (site.ts's Suite, which calls it). */
interface Running {
  readonly browser: Browser;
  readonly currentTest: TestContext | undefined;
}

export function requires(suite: Running, capability: Capability, why = ''): void {
  const { engine } = suite.browser;
  if (suite.browser.supports[capability]) return;
  const reason = GAPS[engine][capability];
  const test = suite.currentTest;
  if (!reason) throw new Error(`${engine} cannot ${CAPABILITIES[capability]}, and e2e/driver/gaps.mjs lists no reason: add one there, or make the adapter do it.`);
  if (!test) throw new Error(`requires(${capability}) outside a test`);
  const note = `${engine} cannot ${capability}${why ? ` (${why})` : ''}: ${reason}`;
  if (process.env.E2E_RUN_LOG) {
    appendFileSync(process.env.E2E_RUN_LOG, `${JSON.stringify({ engine, capability, file: test.task.file?.name, test: test.task.name, why, reason })}\n`);
  }
  test.skip(note);
}
