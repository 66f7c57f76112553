/**
 * Which long tasks of a page are the tracker's, for e2e/long-tasks.e2e.ts: the page's long tasks as
 * e2e/pages/long-tasks.js observed them, split at the caller's loop; and, for the message of a failure,
 * where in src/ the scripts of a long animation frame were (through the build's source map).
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { distDir } from './dist';

/** The Long Tasks API reports every task over this many ms: a task of the tracker that long fails. */
export const LONG_TASK_MS = 50;
/**
 * Entries give whole milliseconds (Chromium rounds a long task's duration), the loop's times come from
 * performance.now(): where the two meet, they may differ by this much. No other slack: see the suite.
 */
const ROUNDING_MS = 1;

/** [startTime, duration] of a `longtask` entry, page clock. */
export type LongTask = [start: number, duration: number];
/** A script that ran in a long animation frame (Chromium's Long Animation Frames API), as long-tasks.js keeps it. */
export interface FrameScript {
  start: number;
  duration: number;
  invoker: string;
  url: string;
  at: number;
}
/** The caller's loop of track() calls, page clock: from before its first call to after its last. */
export interface Loop {
  start: number;
  end: number;
}
/** A stretch of main-thread time over 50 ms that the caller did not make. */
export interface Offence {
  /** Ms after the loop's last call. */
  after: number;
  duration: number;
  what: string;
}

/**
 * The tracker's long tasks from the loop on. The caller's is the task its loop ran in (it began before the
 * loop's first call); what ran in that task after the loop's last call (the tracker's microtasks, a
 * flush() or hide in the same task) is the tracker's, and counts when it alone is over 50 ms. Every task
 * after is the tracker's: nothing else runs on the page (the control page shows the harness's own part).
 */
export function trackerTasks(tasks: LongTask[], loop: Loop): Offence[] {
  const seen = tasks.filter(([start, duration]) => start + duration > loop.start);
  const loopTask = seen.find(([start]) => start <= loop.start + ROUNDING_MS);
  const offences: Offence[] = [];
  if (loopTask) {
    const tail = loopTask[0] + loopTask[1] - loop.end;
    if (tail > LONG_TASK_MS + ROUNDING_MS) offences.push({ after: 0, duration: tail, what: "the caller's task after its loop" });
  }
  for (const task of seen) {
    const [start, duration] = task;
    if (task != loopTask && duration > LONG_TASK_MS) offences.push({ after: start - loop.end, duration, what: 'a task after the loop' });
  }
  return offences;
}

/** Where a script of a long frame was: a place in src/ for the script build (its source map), else its URL. */
export function placeOf(script: FrameScript): string {
  if (!script.url.endsWith('/tracker.min.js') || script.at < 0) return script.url || script.invoker;
  const dist = distDir();
  if (!existsSync(path.join(dist, 'tracker.min.js.map'))) return `tracker.min.js@${script.at}`;
  const code = readFileSync(path.join(dist, 'tracker.min.js'), 'utf8');
  const map = JSON.parse(readFileSync(path.join(dist, 'tracker.min.js.map'), 'utf8'));
  const before = code.slice(0, script.at).split('\n');
  const entry = new SourceMap(map).findEntry(before.length - 1, before[before.length - 1].length);
  if (!('originalSource' in entry)) return `tracker.min.js@${script.at}`;
  // The map's sources are relative to the build (../src/x.ts): shown from the repository's root, wherever the build is.
  return `${entry.originalSource.replace(/^(\.\.\/)+/, '')}:${entry.originalLine + 1}`;
}

/** One offence in words, with the scripts of the long frames that overlap it (what ran, from where). */
export function describeOffence(offence: Offence, loop: Loop, scripts: FrameScript[]): string {
  const from = loop.end + offence.after;
  const during = scripts.filter((script) => script.start < from + offence.duration && script.start + script.duration > from);
  const ran = during.map((script) => `${script.invoker} ${Math.round(script.duration)} ms at ${placeOf(script)}`);
  return `${Math.round(offence.duration)} ms, ${offence.what}, ${Math.round(offence.after)} ms after the loop${ran.length ? `: ${ran.join('; ')}` : ''}`;
}
