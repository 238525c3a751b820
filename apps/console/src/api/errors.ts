// Every API error reaches the person as the API's own message ({error: {code, message, details}}).
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function apiErrorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (error && typeof error.message === 'string') {
    return new ApiError(
      status,
      typeof error.code === 'string' ? error.code : 'ERROR',
      error.message,
      error.details,
    );
  }
  return new ApiError(status, 'HTTP_' + status, `the API answered ${status} without an error body`);
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return `the API could not be reached (${error.message})`;
  return error instanceof Error ? error.message : String(error);
}

// Details of a 422 from validation: a list of {pointer, message} (or catalog problems).
export function problemsOf(error: unknown): { pointer?: string; message: string; code?: string }[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return error.details.filter(
    (entry): entry is { pointer?: string; message: string; code?: string } =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as { message?: unknown }).message === 'string',
  );
}
