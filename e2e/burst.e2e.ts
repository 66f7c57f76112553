// A burst of 10,000 track() calls in one task, with default options: every event reaches the collector.
// How long the page was blocked meanwhile is a figure of `npm run bench`, not an assertion here.
import { expect, it } from 'vitest';
import { eventsOf } from './helpers/collector';
import { useSuite } from './helpers/site';
import { waitFor } from './helpers/wait';


const suite = useSuite();
const COUNT = 10_000;

it('10,000 events tracked in a burst all arrive, each once after dedupe', async () => {
  const page = await (await suite.context()).newPage(suite.page('/e2e/hide.html'));
  const ids = await page.evaluate((count) => {
    const ids = [];
    for (let i = 0; i < count; i++) ids.push(tracker.track('burst', { seq: i, product: 'Nike shoes', price: 59.9 }));
    return ids;
  }, COUNT);
  expect(new Set(ids).size).toBe(COUNT);
  await waitFor(() => eventsOf(suite.collector, 'burst').length >= COUNT, { timeout: 60_000, what: `${COUNT} events at the collector` });
  const stored = eventsOf(suite.collector, 'burst');
  expect(stored).toHaveLength(COUNT);
  expect(new Set(stored.map((event) => event.id))).toEqual(new Set(ids));
});
