// @vitest-environment happy-dom
// The QA page's timeline: what goes in which bucket, and what is drawn of it.
import { describe, expect, it } from 'vitest';
// @ts-ignore: plain ESM served to the browser as is, no declaration file
import { createTimeline, drawTimeline, niceMax, statusKind, totals } from './public/timeline.js';

const T0 = Date.parse('2026-12-02T10:00:00Z');
const WINDOW = 60_000;
const BUCKET = 5_000;

describe('timeline', () => {
  it.each([
    ['200', 'ok'],
    ['204', 'ok'],
    ['400', 'refused'],
    ['429', 'refused'],
    ['500', 'failed'],
    ['503', 'failed'],
    ['hang', 'none'],
    ['drop', 'none'],
    ['aborted', 'none'],
    ['timeout', 'none'],
  ])('a request answered %s counts as %s', (status, kind) => {
    expect(statusKind(status)).toBe(kind);
  });

  it.each([
    [0, 4, 5],
    [3, 4, 5],
    [4, 4, 5],
    [5, 4, 5],
    [6, 4, 10],
    [11, 4, 20],
    [120, 4, 200],
    [0, 2, 2],
    [3, 2, 5],
  ])('a scale for %d, at least %d, goes up to %d', (value, floor, top) => {
    expect(niceMax(value, floor)).toBe(top);
  });

  it('puts each event and request in the bucket of its time, and keeps the window only', () => {
    const timeline = createTimeline(WINDOW, BUCKET);
    timeline.tracked(T0 + 1_000);
    timeline.tracked(T0 + 4_999);
    timeline.tracked(T0 + 5_000);
    const buckets = timeline.buckets(T0 + 5_000);
    expect(buckets).toHaveLength(WINDOW / BUCKET);
    expect(buckets.map((bucket: any) => bucket.tracked).slice(-2)).toEqual([2, 1]);
    // A minute later the first two buckets are out of the window.
    expect(totals(timeline.buckets(T0 + 5_000 + WINDOW)).tracked).toBe(0);
    expect(totals(timeline.buckets(T0 + WINDOW)).tracked).toBe(1);
  });

  it("counts what the collector's stats gained between two reads, never what it had before", () => {
    const timeline = createTimeline(WINDOW, BUCKET);
    timeline.stats({ events: 40, byStatus: { 200: 10 } }, T0); // the baseline: before this page opened
    timeline.stats({ events: 43, byStatus: { 200: 11, 503: 2, hang: 1 } }, T0 + 1_000);
    expect(totals(timeline.buckets(T0 + 1_000))).toEqual({ tracked: 0, received: 3, ok: 1, refused: 0, failed: 2, none: 1 });
    // The collector was reset: a new baseline, nothing counted twice or negative.
    timeline.stats({ events: 0, byStatus: {} }, T0 + 2_000);
    timeline.stats({ events: 1, byStatus: { 200: 1 } }, T0 + 3_000);
    expect(totals(timeline.buckets(T0 + 3_000))).toMatchObject({ received: 4, ok: 2, failed: 2 });
  });

  it('shows the most that waited in a bucket, and when the collector was down or faulty', () => {
    const timeline = createTimeline(WINDOW, BUCKET);
    timeline.waiting(3, T0);
    timeline.waiting(0, T0 + 1_000);
    timeline.collectorState(true, false, T0 + 1_000);
    timeline.waiting(0, T0 + 5_000);
    timeline.collectorState(false, true, T0 + 5_000);
    const [before, last] = timeline.buckets(T0 + 5_000).slice(-2);
    expect(before).toMatchObject({ waiting: 3, down: true, faulty: false });
    expect(last).toMatchObject({ waiting: 0, down: false, faulty: true });
  });

  it('draws flat series before anything happened, and raises them when events arrive', () => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    const timeline = createTimeline(WINDOW, BUCKET);
    const heights = () => {
      drawTimeline(svg, timeline.buckets(T0), 600, WINDOW);
      // Every y a series' path visits: a flat series visits one.
      const ys = (series: string) => new Set(svg.querySelector(`path.${series}`)!.getAttribute('d')!.match(/[MV][\d.]+(?: [\d.]+)?/g)!.map((step) => step.split(/[MV ]/).pop()));
      return { tracked: ys('tracked').size, received: ys('received').size, waiting: ys('waiting').size };
    };
    expect(heights()).toEqual({ tracked: 1, received: 1, waiting: 1 });
    expect(svg.querySelectorAll('rect.bar')).toHaveLength(0);

    timeline.tracked(T0);
    timeline.waiting(1, T0);
    timeline.collectorState(true, false, T0);
    expect(heights()).toEqual({ tracked: 2, received: 1, waiting: 2 });
    expect(svg.querySelectorAll('rect.band.down')).toHaveLength(1);

    timeline.stats({ events: 0, byStatus: {} }, T0);
    timeline.stats({ events: 1, byStatus: { 200: 1 } }, T0);
    expect(heights().received).toBe(2);
    expect(svg.querySelectorAll('rect.bar.ok')).toHaveLength(1);
  });
});
