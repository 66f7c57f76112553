/**
 * Cookies, localStorage and the tracker's IndexedDB store of a page's origin, read and written in the page
 * itself, as the tracker sees them: this works the same in every engine, where each automation library has
 * its own cookie API.
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

/**
 * The tracker's cookie and localStorage entry (docs/storage.md): one value,
 * `<session uuid>.<last activity, ms base 36>.<profile id>`, under the name given (`bt` by default).
 */
export async function storedIds(page: Page, name = 'bt') {
  const parse = (value: string | undefined) => {
    if (value === undefined) return undefined;
    const [session, activity, ...profile] = value.split('.');
    return { session, activity: parseInt(activity, 36), profile: profile.join('.') || undefined };
  };
  return { cookie: parse(await cookie(page, name)), local: parse(await localItem(page, name)) };
}

/** An IndexedDB key and value, as the tracker's store holds them (docs/storage.md). */
export type StoredEntry = [key: IDBValidKey, value: unknown];

/**
 * The entries of the tracker's IndexedDB store (database `beacon-tracker`, store `queue`), keys and values,
 * or [] where the tracker has not created it: a read never creates the database, which would leave it
 * without its store.
 */
export const queueEntries = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<StoredEntry[]>((resolve, reject) => {
        const request = indexedDB.open('beacon-tracker');
        request.onupgradeneeded = () => request.transaction!.abort();
        request.onerror = () => (request.error?.name == 'AbortError' ? resolve([]) : reject(request.error));
        request.onsuccess = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains('queue')) {
            db.close();
            return resolve([]);
          }
          const objects = db.transaction('queue').objectStore('queue');
          const keys = objects.getAllKeys();
          const values = objects.getAll();
          values.onsuccess = () => {
            db.close();
            resolve(keys.result.map((key, i) => [key, values.result[i]] as StoredEntry));
          };
          values.onerror = () => reject(values.error);
        };
      }),
  );

/** The events tracker `name` holds in IndexedDB: its chunks under `[name, url, at, id, last id]`, each a list of records (docs/storage.md). */
export const queuedRecords = async (page: Page, name = 'bt') =>
  (await queueEntries(page))
    .filter(([key]) => Array.isArray(key) && key.length > 1 && key[0] == name)
    .flatMap(([, value]) => (Array.isArray(value) ? value : [value]) as { id: string }[]);
/**
 * How many events tracker `name` holds in IndexedDB, as its meta record `[name]` counts them (in the same
 * transaction as every chunk it adds or removes), without reading a chunk: cheap enough to poll while a page
 * is measured. 0 where the tracker has not created the store.
 */
export const queuedCount = (page: Page, name = 'bt') =>
  page.evaluate(
    (name) =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open('beacon-tracker');
        request.onupgradeneeded = () => request.transaction!.abort();
        request.onerror = () => (request.error?.name == 'AbortError' ? resolve(0) : reject(request.error));
        request.onsuccess = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains('queue')) {
            db.close();
            return resolve(0);
          }
          const meta = db.transaction('queue').objectStore('queue').get([name]);
          meta.onsuccess = () => {
            db.close();
            resolve(meta.result?.count ?? 0);
          };
          meta.onerror = () => reject(meta.error);
        };
      }),
    name,
  );

/** Writes entries into the tracker's IndexedDB store, creating it as the tracker does where it is missing. */
export const putQueueEntries = (page: Page, entries: StoredEntry[]) =>
  page.evaluate(
    (entries) =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('beacon-tracker');
        request.onupgradeneeded = () => request.result.createObjectStore('queue');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          const transaction = db.transaction('queue', 'readwrite');
          for (const [key, value] of entries) transaction.objectStore('queue').put(value, key);
          transaction.oncomplete = () => {
            db.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    entries,
  );
