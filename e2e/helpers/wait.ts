/**
 * Polls `probe` until it returns something truthy, and resolves with that. A scenario waits for the
 * condition it needs (events at the collector, a page's state), never for a fixed time: the suite runs
 * as fast as the browser, and slow CI machines only wait longer.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeout = 10_000, interval = 50, what = 'a condition' }: { timeout?: number; interval?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Resolves once `count()` has not changed for `quiet` ms (at most `timeout` ms in all): for "whatever
 * was going to arrive has arrived" before a scenario moves on, where no single condition says so.
 */
export async function waitForQuiet(count: () => number, { quiet = 500, timeout = 10_000 } = {}): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < quiet) {
    if (Date.now() > deadline) throw new Error(`Still changing after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = count();
    if (now != last) [last, since] = [now, Date.now()];
  }
}
