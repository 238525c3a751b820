import { Agent, request } from 'node:http';

export interface HttpResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

// A small JSON client over one keep-alive agent, for the control calls around the measurements
// (runs, definitions, sizes); the lookups themselves go through autocannon.
export class BenchHttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });

  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
  ) {}

  send<T = unknown>(method: string, path: string, body?: unknown): Promise<HttpResponse<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        new URL(path, this.baseUrl),
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? null : JSON.parse(text);
            } catch {
              // not JSON: keep the text for the error message
            }
            resolve({ status: incoming.statusCode ?? 0, body: parsed as T, headers: incoming.headers });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  // send(), failing unless the status is the expected one.
  async expect<T>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send<T>(method, path, body);
    if (response.status !== status) {
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  // Streams a GET with this Accept header and counts the newlines as they arrive, without keeping
  // the body: the time is what a campaign tool downloading the whole audience waits.
  countLines(
    path: string,
    accept: string,
  ): Promise<{ status: number; lines: number; bytes: number; ms: number }> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const outgoing = request(
        new URL(path, this.baseUrl),
        { method: 'GET', agent: this.agent, headers: { authorization: `Bearer ${this.apiKey}`, accept } },
        (incoming) => {
          let lines = 0;
          let bytes = 0;
          incoming.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
          });
          incoming.on('error', reject);
          incoming.on('end', () =>
            resolve({ status: incoming.statusCode ?? 0, lines, bytes, ms: performance.now() - started }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
