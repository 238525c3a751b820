// Postgres cannot store NUL characters or lone UTF-16 surrogates in jsonb; refusing them when JSON
// is parsed turns a would-be 500 into the client's 400.
export const UNSTORABLE_TEXT = new RegExp(
  // eslint-disable-next-line no-control-regex -- NUL is exactly what this refuses
  '\\u0000|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
);

export function storableReviver(key: string, value: unknown): unknown {
  if (UNSTORABLE_TEXT.test(key) || (typeof value === 'string' && UNSTORABLE_TEXT.test(value))) {
    throw new Error('strings may not contain NUL characters or lone surrogates');
  }
  return value;
}

// Validation with every error reported grows faster than linearly with failing array items, so
// documents are refused up front when any array is longer than callers can have a use for.
export const MAX_ARRAY_ITEMS = 1000;

export function oversizedArray(value: unknown, pointer = ''): string | null {
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_ITEMS) return pointer;
    for (let index = 0; index < value.length; index += 1) {
      const found = oversizedArray(value[index], `${pointer}/${index}`);
      if (found !== null) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const found = oversizedArray(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      if (found !== null) return found;
    }
  }
  return null;
}
