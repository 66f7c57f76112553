/**
 * Runs `task`, and gives undefined where it throws: cookies, localStorage and sendBeacon may be blocked,
 * full or missing, and that must never stop tracking or reach the host page.
 */
export function safely<T>(task: () => T): T | undefined {
  try {
    return task();
  } catch {
    // blocked, over quota, or not there
  }
}
