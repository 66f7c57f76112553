/**
 * Cookies and localStorage of a page's origin, read and written in the page itself, as the tracker sees
 * them: this works the same in every engine, where each automation library has its own cookie API.
 */
import type { Page } from './types';

/** The value of a cookie visible to the page (decoded), or undefined. */
export const cookie = (page: Page, name: string) =>
  page.evaluate((name) => {
    const pair = document.cookie.split('; ').find((entry) => entry.startsWith(`${name}=`));
    return pair === undefined ? undefined : decodeURIComponent(pair.slice(name.length + 1));
  }, name);

/** Deletes a cookie set with path=/ (and no domain), as the tracker sets it. */
export const removeCookie = (page: Page, name: string) =>
  page.evaluate((name) => {
    document.cookie = `${name}=;path=/;max-age=0`;
  }, name);

export const localItem = (page: Page, name: string) => page.evaluate((name) => localStorage.getItem(name) ?? undefined, name);

export const removeLocalItem = (page: Page, name: string) => page.evaluate((name) => localStorage.removeItem(name), name);
