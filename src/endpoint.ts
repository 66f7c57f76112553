/**
 * Where events go on a collector: its base url, as init() takes it and records keep it, and the paths of
 * Tracardi's endpoints after it (docs/wire.md). Every url the tracker posts to is built here.
 */
const TRACK = '/track';
/** Tracardi's profile-less tracker payloads (the `profileLess` option). */
export const PROFILE_LESS = '/track?profile_less=true';
/** Tracardi's profile-less single events (collect()): the body is the event's properties alone. */
export const collectPath = (type: string, source: string) => `/collect/${encodeURIComponent(type)}/${encodeURIComponent(source)}`;

/**
 * A collector's base url: http(s) with a host and maybe a path, and nothing a path could not follow: no
 * query, fragment, credentials, white space or backslash (never javascript: or a bare path either).
 */
export const isCollectorUrl = (url: unknown): url is string => typeof url == 'string' && /^https?:\/\/[^\s/?#@\\]+(\/[^\s?#@\\]*)?$/.test(url);

/** Whether a path read back from storage is one the tracker writes: never another host once after the url. */
export const isPath = (path: unknown) => path === undefined || path == PROFILE_LESS || /^\/collect\//.test(path as string);

/** Where a record goes: its collector's url, and the path after it where not `/track`. */
type Destination = { url: string; path?: string };

/** Whether a record is collect()'s: its `event` is the request's whole body, sent alone. */
export const isCollected = (record: Destination) => !!record.path && record.path != PROFILE_LESS;

/** The url a record is posted to. */
export const endpointOf = (record: Destination) => record.url + (record.path || TRACK);
