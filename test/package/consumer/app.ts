// An app's use of the installed package: compiled by ../check.mjs under each moduleResolution, with
// skipLibCheck true and false. Every expected-error directive must meet an error: types that silently
// became `any` (a declaration file that did not resolve) leave them unused, and that fails the check.
import { createTracker, tracker, type EventOptions, type Tracker, type TrackerOptions } from 'beacon-tracker';

const options: TrackerOptions = { url: 'https://collector.example.com', source: 'web' };
tracker.init(options);
// @ts-expect-error options are checked by name
tracker.init({ ...options, batchsize: 20 });
// @ts-expect-error url and source are required
tracker.init({ url: 'https://collector.example.com' });

// Properties typed as an interface, as an app's own types often are, and as a type alias.
interface Order {
  sku: string;
  quantity: number;
}
type Click = { target: string };
const order: Order = { sku: 'A-1', quantity: 2 };
const click: Click = { target: 'buy' };
const id: string = tracker.track('purchase', order, { context: { campaign: 'spring' }, time: new Date() });
tracker.track('click', click);
tracker.track('page-view');
// @ts-expect-error the event type is a string
tracker.track(42);
// @ts-expect-error properties are an object
tracker.track('click', 'button');
// @ts-expect-error event options are checked by name
tracker.track('click', click, { tim: Date.now() });

const time: EventOptions['time'] = Date.now();
const flushed: Promise<void> = tracker.flush();
const session: string | undefined = tracker.sessionId;
// @ts-expect-error read-only
tracker.sessionId = 'mine';

const partner: Tracker = createTracker({ url: 'https://partner.example.com', source: 'shop', name: 'partner' });
export { id, time, flushed, session, partner };
