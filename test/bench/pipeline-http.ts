import { Agent, request } from 'node:http';

export interface HttpResponse {
  status: number;
  body: unknown;
}

// A tiny JSON client over one keep-alive agent: the write phase must not pay a TCP handshake per
// request, and node:http lets the benchmark bound the sockets it opens.
export class BenchHttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
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
              // not JSON (a proxy error page, say): keep the text for the message
            }
            resolve({ status: incoming.statusCode ?? 0, body: parsed });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// Plain GET without a key (health checks, the worker's /metrics); null when nothing answers yet.
export function getText(url: string): Promise<{ status: number; text: string } | null> {
  return new Promise((resolve) => {
    const outgoing = request(url, { method: 'GET' }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', () => resolve(null));
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    outgoing.on('error', () => resolve(null));
    outgoing.setTimeout(5000, () => outgoing.destroy());
    outgoing.end();
  });
}
