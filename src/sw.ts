/**
 * The service-worker build, dist/sw.js: served as a site's service worker, or loaded into the one it has
 * with importScripts('/path/to/sw.js'). It drains the trackers' queues on Background Sync (worker.ts).
 */
import { onSync } from './worker.js';

addEventListener('sync', onSync as unknown as EventListener);
