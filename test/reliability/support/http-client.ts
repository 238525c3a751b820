import { Agent, request } from 'node:http';

export interface HttpResult {
  // 0: no HTTP answer (connection refused or reset, or the timeout passed: see `failure`)
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  ms: number;
  failure?: 'timeout' | 'network';
  message?: string;
}

// A JSON client over one keep-alive agent with a hard timeout per request, so a hanging API shows
// up as a `timeout` result instead of a stuck scenario. Never rejects.
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | null,
    maxSockets = 32,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  get(path: string, options: { accept?: string; timeoutMs?: number } = {}): Promise<HttpResult> {
    return this.send('GET', path, undefined, options);
  }

  put(path: string, body: unknown, timeoutMs?: number): Promise<HttpResult> {
    return this.send('PUT', path, JSON.stringify(body), { contentType: 'application/json', timeoutMs });
  }

  patch(path: string, body: unknown, timeoutMs?: number): Promise<HttpResult> {
    return this.send('PATCH', path, JSON.stringify(body), {
      contentType: 'application/merge-patch+json',
      timeoutMs,
    });
  }

  post(path: string, body: unknown, timeoutMs?: number): Promise<HttpResult> {
    return this.send('POST', path, JSON.stringify(body), { contentType: 'application/json', timeoutMs });
  }

  // POST /v1/profiles:batch with NDJSON lines.
  batch(lines: readonly object[], timeoutMs = 120_000): Promise<HttpResult> {
    const ndjson = lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
    return this.send('POST', '/v1/profiles:batch', ndjson, {
      contentType: 'application/x-ndjson',
      timeoutMs,
    });
  }

  send(
    method: string,
    path: string,
    payload: string | undefined,
    options: { contentType?: string; accept?: string; timeoutMs?: number } = {},
    retried = false,
  ): Promise<HttpResult> {
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<HttpResult, 'ms'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, ms: Date.now() - started });
      };
      const outgoing = request(
        new URL(path, this.baseUrl),
        {
          method,
          agent: this.agent,
          headers: {
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
            accept: options.accept ?? 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': options.contentType, 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', (error) =>
            finish({ status: 0, body: null, headers: {}, failure: 'network', message: error.message }),
          );
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            if (String(incoming.headers['content-type'] ?? '').includes('json')) {
              try {
                body = text === '' ? null : JSON.parse(text);
              } catch {
                // keep the text
              }
            }
            finish({ status: incoming.statusCode ?? 0, body, headers: incoming.headers });
          });
        },
      );
      const timer = setTimeout(() => {
        outgoing.destroy();
        finish({
          status: 0,
          body: null,
          headers: {},
          failure: 'timeout',
          message: `no answer in ${timeoutMs} ms`,
        });
      }, timeoutMs);
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        // A keep-alive socket the server closed just as it was reused: the request never reached
        // the server (the race Node's docs describe for `request.reusedSocket`); send it again.
        if (!settled && !retried && outgoing.reusedSocket && error.code === 'ECONNRESET') {
          settled = true;
          clearTimeout(timer);
          resolve(this.send(method, path, payload, options, true));
          return;
        }
        finish({ status: 0, body: null, headers: {}, failure: 'network', message: error.message });
      });
      outgoing.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function describeResult(result: HttpResult): string {
  if (result.status === 0) return `${result.failure}: ${result.message}`;
  const body = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  return `${result.status} ${body.slice(0, 300)}`;
}
