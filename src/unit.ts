import { fail, show } from './misuse.js';
import { own, text } from './read.js';

/** What a unit of work says of each of its events: the user and the job it runs for (bc-events' user and service sessions). */
export interface Work {
  /** The user the unit runs for (bc-events' user id). */
  userId?: string;
  /** The job or request it belongs to (bc-events' job id). */
  jobId?: string;
  /** Every event goes at once, not held (bc-events' publish_immediately): there is no taking it back then. */
  immediate?: boolean;
}

/**
 * A unit of work: the events of one task of the app (a request, a checkout, a job), held in this page's
 * memory until the app says it succeeded (`commit`: tracked, and from then on as durable as any event) or
 * failed (`discard`: dropped, no loss). An event with `immediate` is tracked at once. A page closed before
 * `commit` sends nothing of it.
 */
export interface UnitOfWork {
  /** As tracker.track(), held until commit(); returns the id the event will have, or '' when it was not taken. */
  track(type: string, properties?: object, eventOptions?: object): string;
  /** As tracker.publish(), held until commit(). */
  publish(action: string, entity: string, data?: object, eventOptions?: object): string;
  /** The task succeeded: its events are tracked, in the order they were published, with the time they happened. */
  commit(): void;
  /** The task failed: its events are dropped, as if they never happened. */
  discard(): void;
}

/** The events a unit holds, and what it adds to each: a key of event options no app can write. */
export const UNIT = Symbol();
export interface Held {
  _work: { userId?: string; jobId?: string };
  _immediate: boolean;
  /** Each held event: its id, its JSON and where it goes. */
  _events: [id: string, json: string, path?: string][];
}

/** A unit's work as given, its own properties checked: ids are strings of 1 to 256 characters. */
export function readWork(given: unknown): Held {
  const id = (key: string) => {
    const value = own(given, key);
    if (value !== undefined && !text(value, 256)) fail(`unitOfWork(): ${key} ${show(value)} is not an id`);
    return value;
  };
  return { _work: { userId: id('userId'), jobId: id('jobId') }, _immediate: own(given, 'immediate') == true, _events: [] };
}
