// An error answer of the API: its status and `{ error: { code, message, details } }`.
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly error: { code?: string; message?: string; details?: unknown } | undefined,
  ) {
    super(message);
  }
}

// A minimal client for tagctl commands that talk to a running Tagforge API.
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async request<T>(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          Authorization: `Bearer ${this.key}`,
          ...(body === undefined ? {} : { 'Content-Type': contentType }),
        },
        body,
      });
    } catch (error) {
      throw new Error(`cannot reach the API at ${this.baseUrl}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)
        ?.error;
      const details = error?.details === undefined ? '' : `\n${JSON.stringify(error.details, null, 2)}`;
      throw new ApiError(
        `${method} ${path}: ${response.status} ${error?.code ?? ''} ${error?.message ?? text}${details}`,
        response.status,
        error,
      );
    }
    return parsed as T;
  }
}
