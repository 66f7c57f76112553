import { isProfileId } from './id.js';
import { own } from './read.js';
import { safely } from './safely.js';

/** A 2xx answer's body, parsed (Tracardi's `profile`, `debugging`, `ux`, `response`): data, never run; undefined when it is no JSON object. */
export function readAnswer(body: string | undefined): Record<string, any> | undefined {
  const answer = safely(() => JSON.parse(body!));
  if (answer && typeof answer == 'object' && !Array.isArray(answer)) return answer;
}

/** The profile id an answer gives, if it is one: anything else is ignored, never kept. */
export function answeredProfile(answer: Record<string, any>): string | undefined {
  const id = own(own(answer, 'profile'), 'id');
  if (isProfileId(id)) return id;
}
