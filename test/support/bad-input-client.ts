import { Agent, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawRequest {
  method: string;
  // Sent byte for byte: no normalisation of `..`, no re-encoding of `%`.
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // The parsed body, or undefined when it is not JSON.
  json: unknown;
  elapsedMs: number;
}

export class NoAnswerError extends Error {}

// A bare HTTP/1.1 client over keep-alive sockets. supertest re-serialises Buffers sent as JSON and
// listens anew for each request; hostile tests need the exact bytes and thousands of requests.
export class RawClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });

  private constructor(
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  static async listen(server: Server, timeoutMs: number): Promise<RawClient> {
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RawClient((server.address() as AddressInfo).port, timeoutMs);
  }

  close(): void {
    this.agent.destroy();
  }

  send(raw: RawRequest): Promise<RawResponse> {
    const started = Date.now();
    const body = raw.body === undefined ? undefined : Buffer.from(raw.body);
    const headers: Record<string, string> = { ...raw.headers };
    if (body !== undefined && !hasHeader(headers, 'transfer-encoding')) {
      headers['Content-Length'] = String(body.length);
    }
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: RawResponse | Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: raw.method,
          path: raw.path,
          headers,
          agent: this.agent,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', (error) => finish(error));
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            finish({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              text,
              json: parseJson(text),
              elapsedMs: Date.now() - started,
            });
          });
        },
      );
      const timer = setTimeout(() => {
        outgoing.destroy();
        finish(new NoAnswerError(`no answer within ${this.timeoutMs} ms: ${raw.method} ${raw.path}`));
      }, this.timeoutMs);
      // The server may answer (413, 415, 401) and close before it has read a large body; the answer
      // is what counts, so a write error only matters when no answer came.
      outgoing.on('error', (error) => setTimeout(() => finish(error), 200));
      outgoing.end(body);
    });
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
