// Types of model.mjs for the TypeScript tests (test/simulate.test.ts); its comments say what each is.
export interface Options {
  visitors: number;
  outage: number;
  down: 'none' | '503';
  warmup: number;
  after: number;
  interval: number;
  burst: number;
  pageLife: number;
  eventCost: number;
  capacity: number;
  queue: number;
  refusalCost: number;
  retryAfter: number;
  retryAfterDate: boolean;
  latency: number;
  maxEvents: number;
  batch: number;
  newPage: 'keep' | 'now';
  seed: number;
}

export const DEFAULTS: Options;

/** A retry module as src/retry.ts is one; `attempt`, the count of failures in a row, is for other policies. */
export interface Policy {
  retryable(status: number): boolean;
  retryAfter(header: string | null, now?: number): number;
  retryDelay(last: number, retryAfterMs: number, random?: number, attempt?: number): number;
  paceDelay?: (random?: number) => number;
}

export interface PerSecond {
  offered: Float64Array;
  offeredCost: Float64Array;
  accepted: Float64Array;
  acceptedCost: Float64Array;
  refused: Float64Array;
  unanswered: Float64Array;
  delivered: Float64Array;
  backlog: Float64Array;
}

export interface Run {
  options: Options;
  normal: number;
  capacity: number;
  perSecond: PerSecond;
  tracked: number;
  delivered: number;
  dropped: number;
  left: number;
  lost: number;
  backlog: number;
  backlogDoneAt: number;
  backlog99At: number;
}

export interface Summary {
  peak: number;
  secondsOver: number;
  secondsOver2x: number;
  waves: number;
  backlogEvents: number;
  backlogSeconds: number;
  backlog99Seconds: number;
  overAfterBacklog: number;
  dropped: number;
  lost: number;
}

export function seeded(seed: number): () => number;
export function simulate(options: Partial<Options>, policy: Policy): Run;
export function summarize(run: Run): Summary;
