// An app's use of the installed package: compiled by ../check.mjs under each moduleResolution, with
// skipLibCheck true and false. Every expected-error directive must meet an error: types that silently
// became `any` (a declaration file that did not resolve) leave them unused, and that fails the check.
import { CONTEXTS, createTracker, MODES, tracker, type ContextOfUse, type EventOptions, type Tracker, type TrackerOptions, type WireEvent } from 'beacon-tracker';
// Capture, for the options taggedEvents, outboundLinks, fileDownloads and engagement: a side effect only.
import 'beacon-tracker/capture';

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

// The seeds' model: contexts and modes as constants and types; identify, publish, collect, consent, reset.
const mobile: ContextOfUse = CONTEXTS[2];
tracker.track('purchase', order, { context: mobile, mode: MODES[0], contextInfo: { store: 'Milano' } });
tracker.track('purchase', order, { context: 'ECOMMERCE', mode: 'PASSIVE', immediate: true });
// @ts-expect-error an unknown context of use
tracker.track('purchase', order, { context: 'WEBSITE' });
// @ts-expect-error an unknown mode
tracker.track('purchase', order, { mode: 'active' });
tracker.identify('c-42', { plan: 'pro' });
tracker.identify({ externalId: 'crm-9' });
// @ts-expect-error a customer is an id or { id, externalId }
tracker.identify(42);
tracker.publish('Created', 'MyEntity', { id: 1 });
const collected: Promise<void> = tracker.collect('coupon-received', { voucher: 'V-1' });
tracker.consent(false);
tracker.reset();
createTracker({
  ...options,
  name: 'model',
  defaultContext: 'MOBILE',
  schemas: { serviceSubscribed: ['subscriberId', 'serviceId'] },
  profileLess: true,
  requireConsent: true,
  honorPrivacySignals: true,
  pageViews: true,
  onResponse: (answer) => void answer.profile,
  beforeSend: (event: WireEvent) => (event.type == 'secret' ? null : event),
});
createTracker({ ...options, name: 'capture', taggedEvents: true, outboundLinks: true, fileDownloads: ['pdf', 'zip'], engagement: true });
createTracker({ ...options, name: 'downloads', fileDownloads: true });
// @ts-expect-error file extensions are a list (a data attribute's 'pdf,zip' is the script tag's)
createTracker({ ...options, name: 'downloads', fileDownloads: 'pdf' });
// @ts-expect-error the default context is one of the nine
createTracker({ ...options, defaultContext: 'web' });

// An app's event map, declared once: track() then knows each type and its properties.
interface ShopEvents {
  purchase: Order;
  'page-view': undefined;
  search: { query: string };
}
const shop = createTracker<ShopEvents>({ ...options, name: 'shop' });
shop.track('purchase', order);
shop.track('page-view');
shop.track('search', { query: 'shoes' });
// @ts-expect-error an event type the map does not declare
shop.track('purchse', order);
// @ts-expect-error the properties of another type
shop.track('search', order);
// @ts-expect-error a property the type does not have
shop.track('search', { query: 'shoes', page: 2 });

export { id, time, flushed, session, partner, collected };
