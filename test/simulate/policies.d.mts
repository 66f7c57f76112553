// Types of policies.mjs for the TypeScript tests.
import type * as retry from '../../src/retry';
import type { Options, Policy } from './model.mjs';

export function policies(module: typeof retry): Record<string, { newPage: Options['newPage']; label: string; policy: Policy }>;
