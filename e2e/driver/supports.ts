import { CAPABILITIES, GAPS, type Capability, type Engine } from './gaps.mjs';
import type { Supports } from './types';

/** An engine's capabilities: all of them but those gaps.mjs lists, with their reasons, for it. */
export const supportsOf = (engine: Engine): Supports =>
  Object.fromEntries(Object.keys(CAPABILITIES).map((capability) => [capability, !(capability in GAPS[engine])])) as Record<Capability, boolean>;

/** What an adapter throws when asked for a step its engine lacks (a scenario should have called requires()). */
export class Unsupported extends Error {
  constructor(readonly engine: Engine, readonly capability: Capability) {
    super(`${engine} cannot ${CAPABILITIES[capability]}: ${GAPS[engine][capability] ?? 'no reason listed in e2e/driver/gaps.mjs'}`);
  }
}
