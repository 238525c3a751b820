import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

// A receiver as a customer's system would run it: a local HTTP server that verifies every request
// with the Standard Webhooks reference library and answers as its behaviour says (a status, a
// delay, or never). Used by the destinations e2e test, bench and reliability scenarios.

// Worker settings for tests with receivers on loopback: allowed, with retries within 100-400 ms and a
// 3 s request deadline, so failures and a hanging receiver play out in seconds.
export const LOOPBACK_RECEIVERS = { DESTINATION_ALLOWED_HOSTS: '127.0.0.1' };
export const FAST_RETRIES = {
  ...LOOPBACK_RECEIVERS,
  DESTINATION_BACKOFF_BASE_MS: '200',
  DESTINATION_BACKOFF_MAX_MS: '400',
  DESTINATION_TIMEOUT_MS: '3000',
  DESTINATION_POLL_MS: '50',
};

export interface Answer {
  status: number;
  delayMs?: number;
  // Never answer (the request hangs until the sender gives up).
  hang?: boolean;
  retryAfter?: string;
  body?: string;
  // A body that never ends: written until the sender hangs up.
  endless?: boolean;
}

export interface Received {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: unknown;
  verified: boolean;
  receivedAt: number;
  answered: number | null;
  // Bytes of response body handed to the socket.
  bytesAnswered: number;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  secrets: string[] = [];
  private readonly sockets = new Set<Socket>();
  private count = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    public behaviour: (index: number, received: Received) => Answer,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(
    behaviour: (index: number, received: Received) => Answer = () => ({ status: 200 }),
    port = 0,
  ): Promise<WebhookReceiver> {
    const holder: { receiver?: WebhookReceiver } = {};
    const server = createServer((request, response) => holder.receiver!.handle(request, response));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    holder.receiver = new WebhookReceiver(server, `http://127.0.0.1:${address.port}/hook`, behaviour);
    return holder.receiver;
  }

  // Verified deliveries' payloads (pings left out).
  batches<T = { type: string; events: Record<string, unknown>[] }>(): T[] {
    return this.received
      .filter((entry) => entry.verified && entry.answered !== null && entry.answered < 300)
      .map((entry) => entry.payload as T)
      .filter((payload) => (payload as { type: string }).type !== 'ping');
  }

  events(): Record<string, unknown>[] {
    return this.batches().flatMap((batch) => batch.events);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // Writes as fast as the sender reads, until it closes the connection.
  private pump(response: ServerResponse, entry: Received): void {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let closed = false;
    response.once('close', () => (closed = true));
    const write = () => {
      while (!closed) {
        entry.bytesAnswered += chunk.length;
        if (!response.write(chunk)) {
          response.once('drain', write);
          return;
        }
      }
    };
    write();
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      let verified = false;
      let payload: unknown = null;
      for (const secret of this.secrets) {
        try {
          payload = new Webhook(secret).verify(body, headers);
          verified = true;
          break;
        } catch {
          // Another secret may verify it.
        }
      }
      const entry: Received = {
        webhookId: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        payload,
        verified,
        receivedAt: Date.now(),
        answered: null,
        bytesAnswered: 0,
      };
      const answer = this.behaviour(this.count++, entry);
      this.received.push(entry);
      if (answer.hang) return;
      const reply = () => {
        entry.answered = answer.status;
        response.writeHead(answer.status, {
          'content-type': 'text/plain',
          ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}),
        });
        if (answer.endless) return this.pump(response, entry);
        entry.bytesAnswered = Buffer.byteLength(answer.body ?? '');
        response.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  }
}

// The receivers a test starts, closed together at its end.
export class Receivers {
  private readonly started: WebhookReceiver[] = [];

  async start(behaviour?: (index: number, received: Received) => Answer): Promise<WebhookReceiver> {
    const receiver = await WebhookReceiver.start(behaviour);
    this.started.push(receiver);
    return receiver;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.started.map((receiver) => receiver.close()));
  }
}
