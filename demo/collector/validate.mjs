// The Tracardi tracker payload model, checked as strictly as Tracardi's pydantic model and reported
// the way FastAPI reports it (422 `{detail: [{loc, msg, type}]}`), so a tracker tested against this
// collector fails here where it would fail against a real Tracardi.
// Deliberate differences: `null` for options/properties/context/time is a 422 here, where a real
// Tracardi answers 500; and the fields this collector acts on (an identify event, context.customer,
// options.context, options.mode, options.contextInfo) must have the shape the tracker sends, where
// Tracardi stores anything: a malformed one is a tracker bug to see, not an event to keep.

/** @typedef {{ loc: (string|number)[], msg: string, type: string }} FieldError */

/** @param {unknown} value @returns {value is Record<string, any>} */
export const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

const missing = (loc) => ({ loc, msg: 'field required', type: 'value_error.missing' });
const notNone = (loc) => ({ loc, msg: 'none is not an allowed value', type: 'type_error.none.not_allowed' });
const notDict = (loc) => ({ loc, msg: 'value is not a valid dict', type: 'type_error.dict' });
const notList = (loc) => ({ loc, msg: 'value is not a valid list', type: 'type_error.list' });
const notString = (loc) => ({ loc, msg: 'str type expected', type: 'type_error.str' });
const tooShort = (loc) => ({ loc, msg: 'ensure this value has at least 1 characters', type: 'value_error.any_str.min_length' });
const notDatetime = (loc) => ({ loc, msg: 'invalid datetime format', type: 'value_error.datetime' });
const notEnum = (loc, permitted) => ({
  loc,
  msg: `value is not a valid enumeration member; permitted: ${permitted.map((value) => `'${value}'`).join(', ')}`,
  type: 'type_error.enum',
});
const neither = (loc, names) => ({ loc, msg: `${names.join(' or ')} required`, type: 'value_error.missing' });
/** @param {(string|number)[]} loc */
export const notBoolean = (loc) => ({ loc, msg: 'value could not be parsed to a boolean', type: 'type_error.bool' });

/** ContactHub's contexts of use, carried as the event's options.context. */
export const CONTEXTS = Object.freeze(['CONTACT_CENTER', 'WEB', 'MOBILE', 'ECOMMERCE', 'RETAIL', 'IOT', 'SOCIAL', 'DIGITAL_CAMPAIGN', 'OTHER']);
/** ContactHub's event modes, carried as the event's options.mode. */
export const MODES = Object.freeze(['ACTIVE', 'PASSIVE']);
/** The event type that names the visitor: `properties: { customerId?, externalId?, traits? }`. */
export const IDENTIFY = 'identify';

/**
 * Checks an object field; `undefined` is fine unless required, `null` never is.
 * @returns {boolean} whether the value is an object whose own fields can be checked
 */
function checkObject(value, loc, errors, required = false) {
  if (value === undefined) {
    if (required) errors.push(missing(loc));
    return false;
  }
  if (value === null) errors.push(notNone(loc));
  else if (!isObject(value)) errors.push(notDict(loc));
  return isObject(value);
}

function checkString(value, loc, errors, { required = false, nonEmpty = false } = {}) {
  if (value === undefined) {
    if (required) errors.push(missing(loc));
  } else if (value === null) errors.push(notNone(loc));
  else if (typeof value !== 'string') errors.push(notString(loc));
  else if (nonEmpty && value === '') errors.push(tooShort(loc));
}

/** An `{ id }` entity (source, session, profile): the id is a required string. */
function checkEntity(value, loc, errors, required) {
  if (checkObject(value, loc, errors, required)) checkString(value.id, [...loc, 'id'], errors, { required: true, nonEmpty: true });
}

function checkEnum(value, permitted, loc, errors) {
  if (value === undefined) return;
  if (value === null) errors.push(notNone(loc));
  else if (!permitted.includes(value)) errors.push(notEnum(loc, permitted));
}

/**
 * A customer as ids: `customerId`/`externalId` (identify's properties) or `id`/`externalId`
 * (context.customer), each a non-empty string, at least one of the two given.
 */
function checkCustomer(value, [idField, externalField], loc, errors) {
  checkString(value[idField], [...loc, idField], errors, { nonEmpty: true });
  checkString(value[externalField], [...loc, externalField], errors, { nonEmpty: true });
  if (value[idField] === undefined && value[externalField] === undefined) errors.push(neither(loc, [idField, externalField]));
}

function checkEvent(event, loc, errors) {
  if (!checkObject(event, loc, errors, true)) return;
  checkString(event.type, [...loc, 'type'], errors, { required: true, nonEmpty: true });
  checkString(event.id, [...loc, 'id'], errors, { nonEmpty: true });
  checkString(event.externalId, [...loc, 'externalId'], errors);
  if (checkObject(event.properties, [...loc, 'properties'], errors, event.type === IDENTIFY) && event.type === IDENTIFY) {
    checkCustomer(event.properties, ['customerId', 'externalId'], [...loc, 'properties'], errors);
    checkObject(event.properties.traits, [...loc, 'properties', 'traits'], errors);
  }
  if (checkObject(event.options, [...loc, 'options'], errors)) {
    checkEnum(event.options.context, CONTEXTS, [...loc, 'options', 'context'], errors);
    checkEnum(event.options.mode, MODES, [...loc, 'options', 'mode'], errors);
    checkObject(event.options.contextInfo, [...loc, 'options', 'contextInfo'], errors);
  }
  if (checkObject(event.context, [...loc, 'context'], errors) && checkObject(event.context.customer, [...loc, 'context', 'customer'], errors)) {
    checkCustomer(event.context.customer, ['id', 'externalId'], [...loc, 'context', 'customer'], errors);
  }
  if (checkObject(event.time, [...loc, 'time'], errors)) {
    const create = event.time.create;
    checkString(create, [...loc, 'time', 'create'], errors);
    if (typeof create === 'string' && Number.isNaN(Date.parse(create))) errors.push(notDatetime([...loc, 'time', 'create']));
  }
}

/**
 * Validates a parsed /track body. `profile` may be absent or null (first visit); everything else that
 * is present must have the right shape.
 * @param {any} payload  parsed JSON
 * @returns {FieldError[]} empty when the payload is valid
 */
export function validateTrackerPayload(payload) {
  const errors = [];
  if (!checkObject(payload, ['body'], errors, true)) return errors;
  checkEntity(payload.source, ['body', 'source'], errors, true);
  checkEntity(payload.session, ['body', 'session'], errors, true);
  if (payload.profile !== null) checkEntity(payload.profile, ['body', 'profile'], errors, false);
  for (const field of ['context', 'properties', 'options']) checkObject(payload[field], ['body', field], errors);
  const events = payload.events;
  if (events === null) errors.push(notNone(['body', 'events']));
  else if (events !== undefined && !Array.isArray(events)) errors.push(notList(['body', 'events']));
  else events?.forEach((event, index) => checkEvent(event, ['body', 'events', index], errors));
  return errors;
}

/**
 * Validates a /collect body: any JSON object (it becomes one event's properties).
 * @param {unknown} body
 * @returns {FieldError[]}
 */
export function validateCollectBody(body) {
  const errors = [];
  checkObject(body, ['body'], errors, true);
  return errors;
}

/**
 * Whether a parsed body nests deeper than `limit`. Stored events are later serialised recursively
 * (events.jsonl, GET /events): one event deeper than the stack would make every query fail, so such a
 * body is refused up front. The walk is iterative so that the check itself cannot overflow.
 * @param {unknown} value
 * @param {number} [limit]
 */
export function nestsTooDeep(value, limit = 64) {
  /** @type {Array<[unknown, number]>} */
  const pending = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = /** @type {[unknown, number]} */ (pending.pop());
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

/** @param {number} limit @returns {{ detail: FieldError[] }} */
export const tooDeepError = (limit = 64) => ({
  detail: [{ loc: ['body'], msg: `nested deeper than ${limit} levels`, type: 'value_error.nesting' }],
});

/**
 * The FastAPI-style error for a body that is not JSON at all.
 * @param {Error} error what JSON.parse threw
 * @returns {{ detail: FieldError[] }}
 */
export function jsonDecodeError(error) {
  return { detail: [{ loc: ['body'], msg: `Invalid JSON: ${error.message}`, type: 'value_error.jsondecode' }] };
}

/**
 * The string ids of a parsed body's events, for the raw log (whatever the body's validity).
 * @param {unknown} payload
 * @returns {string[]}
 */
export function eventIdsIn(payload) {
  if (!isObject(payload) || !Array.isArray(payload.events)) return [];
  return payload.events.filter((event) => typeof event?.id === 'string').map((event) => event.id);
}
