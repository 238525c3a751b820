import { isDeepStrictEqual } from 'node:util';
import type { RawRequest, RawResponse } from './bad-input-client';
import type { StoreSnapshot } from './bad-input-state';

// A request slower than this is a hang: the API runs in this process, so a blocked event loop also
// blocks the client's own timer and only shows up as a late answer.
export const HANG_BUDGET_MS = Number(process.env.BAD_INPUT_HANG_BUDGET_MS ?? 5000);

export class HostileInputFailure extends Error {}

export function describeRequest(request: RawRequest): string {
  const body =
    request.body === undefined
      ? ''
      : ` body(${request.body.length} bytes)=${JSON.stringify(Buffer.from(request.body).subarray(0, 160).toString('latin1'))}`;
  const type = request.headers?.['Content-Type'] ?? request.headers?.['content-type'];
  return `${request.method} ${request.path.slice(0, 300)}${type ? ` [${type}]` : ''}${body}`;
}

function fail(request: RawRequest, response: RawResponse | null, problem: string): never {
  const answer = response
    ? ` -> ${response.status} in ${response.elapsedMs} ms: ${response.text.slice(0, 300)}`
    : '';
  throw new HostileInputFailure(`${problem}\n  request: ${describeRequest(request)}\n  answer:${answer}`);
}

export function isErrorShape(json: unknown): boolean {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return (
    typeof json === 'object' &&
    json !== null &&
    Object.keys(json).length === 1 &&
    typeof error === 'object' &&
    error !== null &&
    typeof error.code === 'string' &&
    /^[A-Z_]+$/.test(error.code) &&
    typeof error.message === 'string'
  );
}

export interface Expectation {
  // Statuses accepted besides "any 4xx with the error shape".
  statuses?: readonly number[];
  // A further check of the refusal: what is wrong with it, or undefined.
  verify?: (response: RawResponse) => string | undefined;
}

// The contract for hostile input: a 4xx with `{ error: { code, message } }`, in time.
export function checkRefused(
  request: RawRequest,
  response: RawResponse,
  expectation: Expectation = {},
): void {
  if (response.elapsedMs > HANG_BUDGET_MS)
    fail(request, response, `answered only after ${response.elapsedMs} ms`);
  const allowed = expectation.statuses ?? [];
  if (response.status >= 500) fail(request, response, `server error ${response.status}`);
  if (response.status < 400 || response.status >= 500) {
    fail(request, response, `expected a 4xx, got ${response.status}`);
  }
  if (allowed.length > 0 && !allowed.includes(response.status)) {
    fail(request, response, `expected one of ${allowed.join(', ')}, got ${response.status}`);
  }
  if (request.method !== 'HEAD' && !isErrorShape(response.json)) {
    fail(request, response, 'the body is not {"error": {"code", "message"}}');
  }
  const problem = expectation.verify?.(response);
  if (problem !== undefined) fail(request, response, problem);
}

export function checkUnchanged(
  request: RawRequest,
  response: RawResponse,
  before: StoreSnapshot,
  after: StoreSnapshot,
): void {
  if (isDeepStrictEqual(before, after)) return;
  const changed = Object.keys(after)
    .filter((key) => after[key] !== before[key])
    .map((key) => `${key}: ${String(before[key]).slice(0, 80)} -> ${String(after[key]).slice(0, 80)}`);
  fail(request, response, `a refused request wrote: ${changed.join('; ')}`);
}

// The NDJSON batch answers per line: a batch whose every line is refused is a 422 whose details
// report each non-blank line as refused; a batch of blank lines only is a 400, and so is a body that
// is refused as a whole (not UTF-8).
export function everyLineRefused(lines: number): Expectation {
  return {
    statuses: lines === 0 ? [400] : [400, 422],
    verify: (response) => {
      if (lines === 0 || response.status !== 422) return undefined;
      const details = (response.json as { error?: { details?: unknown } } | undefined)?.error?.details;
      if (!Array.isArray(details) || details.length !== lines) {
        return `expected a report of ${lines} lines in error.details`;
      }
      const wrong = (details as { status?: string; error?: unknown }[]).findIndex(
        (result) => result.status !== 'error' || !isErrorShape({ error: result.error }),
      );
      return wrong < 0 ? undefined : `line report ${wrong} is not a refusal`;
    },
  };
}

// Lines of an NDJSON body that are records (blank lines are skipped, not answered).
export const recordLines = (lines: readonly string[]) => lines.filter((line) => line.trim() !== '').length;
