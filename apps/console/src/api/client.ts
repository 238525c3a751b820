import createClient, { type Middleware } from 'openapi-fetch';
import { signOut, storedKey } from '../auth/session';
import { ApiError, apiErrorOf } from './errors';
import type { paths } from './openapi';

// The typed client generated from the API's OpenAPI document at build time: a route that changes
// or disappears breaks `npm run build`, not a page.
export const api = createClient<paths>({ baseUrl: window.location.origin });

const authorization: Middleware = {
  onRequest({ request }) {
    const key = storedKey();
    if (key) request.headers.set('Authorization', `Bearer ${key}`);
    return request;
  },
  async onResponse({ response }) {
    if (response.ok) return response;
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => null);
    if (response.status === 401) signOut();
    throw apiErrorOf(response.status, body);
  },
};
api.use(authorization);

// openapi-fetch returns {data, error}; the middleware above throws first, so data is there. Its type is
// the operation's documented answer, generated from the OpenAPI document.
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined && error !== null) throw apiErrorOf(response.status, error);
  if (data === undefined && response.status !== 204) {
    throw new ApiError(response.status, 'EMPTY', 'the API answered without a body');
  }
  return data as T;
}

// A route that also answers CSV, NDJSON or words by content negotiation documents those answers as
// strings; the console asks for JSON and reads the JSON schema.
export async function unwrapJson<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Exclude<T, string>> {
  const data = await unwrap(call);
  if (typeof data === 'string') throw new ApiError(406, 'NOT_JSON', 'the API answered text, not JSON');
  return data as Exclude<T, string>;
}
