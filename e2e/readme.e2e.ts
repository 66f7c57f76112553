// The README's "Coming from…" examples, run as written against the demo collector: each ```js block of that
// section in a fresh page of the script build, with `url` the collector's; what arrives is what the README
// says. A change of the API that the README does not follow fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventsOf, payloads, waitForEvents } from './helpers/collector';
import { useSuite } from './helpers/site';
import { waitFor } from './helpers/wait';

const suite = useSuite();

/** The examples of README's "Coming from…": each paragraph's name (its bold lead) and its code block. */
function examples(): Record<string, string> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('\n## Coming from…\n')[1].split('\n## ')[0];
  const found: Record<string, string> = {};
  for (const [, name, code] of section.matchAll(/\*\*([\w -]+)\.\*\*[\s\S]*?```js\n([\s\S]*?)```/g)) found[name] = code;
  return found;
}

/** Runs an example in a new page, as a module would (top-level await), with `url` set; resolves to what it logged. */
async function run(code: string) {
  const page = await (await suite.context()).newPage(suite.page('/e2e/readme.html'));
  const logged = await page.evaluate(
    async ({ code, url }) => {
      const logged: unknown[] = [];
      console.log = (...args: unknown[]) => logged.push(args); // what an example prints
      await new Function('url', `return (async () => {\n${code}\n})()`)(url);
      await (window as unknown as { tracker: { flush(): Promise<void> } }).tracker.flush();
      return logged;
    },
    { code, url: suite.collectorUrl },
  );
  return { page, logged };
}

describe('README: Coming from…', () => {
  it('has the four examples', () => {
    expect(Object.keys(examples())).toEqual(['ContactHub', 'DM Hub', 'bc-events', 'Tracardi']);
  });

  it('ContactHub: a schema kept, context and mode, an event naming its customer, identify reconciling the session', async () => {
    await run(examples().ContactHub);
    const [subscribed] = await waitForEvents(suite.collector, 'serviceSubscribed', 1);
    expect(subscribed).toMatchObject({ options: { context: 'WEB', mode: 'ACTIVE', contextInfo: { client: { ip: '127.0.0.1' } } }, properties: { serviceName: 'News' } });
    const [unsubscribed] = await waitForEvents(suite.collector, 'serviceUnsubscribed', 1);
    expect(unsubscribed.context.customer).toEqual({ id: 'c_id' });
    const [identify] = await waitForEvents(suite.collector, 'identify', 1);
    expect(identify.properties).toMatchObject({ customerId: 'c_id', externalId: 'e_id' });
    // The demo collector's reconciliation: the session's events, the anonymous one before included, are the customer's.
    await waitFor(() => suite.collector.store.get(subscribed.id)!.profile?.id == 'c_id', { what: 'the anonymous event reconciled' });
  });

  it("DM Hub: c_apply_card as its API writes it, externalId its id, date its time", async () => {
    await run(examples()['DM Hub']);
    const [card] = await waitForEvents(suite.collector, 'c_apply_card', 1);
    expect(card).toMatchObject({ id: 'app-7781', time: { create: '2017-06-07T03:43:00.000Z' }, properties: { targetId: 'golden_card', targetName: '金卡', source: '人民广场', touter: 't00001' } });
  });

  it('bc-events: the unit of work committed, names with acronyms split, the user and job on each, immediate', async () => {
    await run(examples()['bc-events']);
    const [created] = await waitForEvents(suite.collector, 'my-entity-created', 1);
    expect(created).toMatchObject({ properties: { event: 'json', data: 'here' }, context: { unitOfWork: { userId: 'cognito-user-7', jobId: 'bc-job-42' } } });
    const [sent] = await waitForEvents(suite.collector, 'http-request-sent', 1);
    expect(sent.context.unitOfWork).toEqual({ userId: 'cognito-user-7', jobId: 'bc-job-42' });
    const [paid] = await waitForEvents(suite.collector, 'order-paid', 1);
    expect(paid.context.unitOfWork).toBeUndefined();
  });

  it("Tracardi: its payload with options and properties, onResponse with the answer's debugging, collect()", async () => {
    const { logged } = await run(examples().Tracardi);
    await waitForEvents(suite.collector, 'page-view', 1);
    const [payload] = payloads(suite.collector, 'source-id');
    expect(payload).toMatchObject({ options: { debugger: true }, properties: { channel: 'web-shop' } });
    expect(logged.length).toBeGreaterThan(0); // onResponse was called with the answer
    await waitFor(() => suite.collector.rawLog.some((record) => record.path == '/collect/coupon-received/source-id'), { what: 'the profile-less event at /collect' });
    expect(eventsOf(suite.collector, 'coupon-received').map((event) => event.properties)).toEqual([{ voucher: 'V-1' }]);
  });
});
