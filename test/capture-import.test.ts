// @vitest-environment happy-dom
// An app that never imports 'beacon-tracker/capture' (this file does not): the capture options are a misuse,
// said at init(), rather than options that silently do nothing.
import { expect, it } from 'vitest';
import { createTracker } from '../src/tracker';
import { COLLECTOR } from './support/page';

it.each([{ taggedEvents: true }, { outboundLinks: true }, { fileDownloads: ['pdf'] }, { engagement: 'true' as never }])(
  'init() with %j and capture not imported throws a TypeError that names the import',
  (option) => {
    const tracker = createTracker();
    expect(() => tracker.init({ url: COLLECTOR, source: 'web', ...option })).toThrow(
      "beacon-tracker: init(): capture needs 'beacon-tracker/capture' loaded",
    );
    expect(() => tracker.track('a')).toThrow(/init\(\) first/); // not started
  },
);

it('init() with the capture options off works without it', async () => {
  const tracker = createTracker({ url: COLLECTOR, source: 'web', taggedEvents: false, fileDownloads: 'false' as never });
  expect(tracker.track('a')).not.toBe('');
  await tracker.flush();
});
