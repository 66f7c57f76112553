import type { Page } from '../driver';

/**
 * What the page threw and did not catch, `error` and `unhandledrejection` alike, as e2e/pages/errors.js
 * (loaded before the tracker) kept it: the tracker must never throw into its page.
 */
export const pageErrors = (page: Page) => page.evaluate(() => (window as unknown as { errors: string[] }).errors);
