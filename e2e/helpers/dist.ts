import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The build under test: dist/, or E2E_DIST (relative to the repo, or absolute) to test another build,
 * for example a released one, or a deliberately broken one to check that the scenarios can fail.
 */
export const distDir = (env = process.env) => path.resolve(fileURLToPath(new URL('../..', import.meta.url)), env.E2E_DIST || 'dist');
