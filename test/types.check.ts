// Type tests of the public surface, checked by `tsc -p test/tsconfig.json` (npm test): every
// expected-error directive below must meet an error, so misuse the types allow fails the check.
import { createTracker, tracker, type EventOptions, type Tracker, type TrackerOptions } from '../src/index';

const options: TrackerOptions = { url: 'https://collector.example.com', source: 'web', batchSize: 20, context: { ip: '1.2.3.4' } };
tracker.init(options);
// @ts-expect-error url and source are required
tracker.init({ url: 'https://collector.example.com' });
// @ts-expect-error options are checked by name
tracker.init({ ...options, batchsize: 20 });

const id: string = tracker.track('purchase', { value: 59.9 }, { context: { campaign: 'spring' }, options: { mode: 'ACTIVE' }, time: new Date() });
tracker.track('page-view');
// @ts-expect-error the type is a string
tracker.track(1);
// @ts-expect-error properties are an object
tracker.track('click', 'button');
const time: EventOptions['time'] = Date.now();

const flushed: Promise<void> = tracker.flush();
const session: string | undefined = tracker.sessionId;
// @ts-expect-error read-only
tracker.sessionId = 'mine';
// @ts-expect-error read-only
tracker.profileId = 'mine';

const partner: Tracker = createTracker({ url: 'https://partner.example.com', source: 'shop', name: 'partner' });
export { id, time, flushed, session, partner };
