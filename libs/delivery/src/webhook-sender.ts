import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkAddress, hostOf } from './destination-address';

export interface SendOptions {
  connectTimeoutMs: number;
  // From the start of the request to the end of the (capped) response.
  responseTimeoutMs: number;
  allowedHosts: ReadonlySet<string>;
  maxResponseBytes: number;
}

export interface SendResult {
  status: number | null;
  // Why no status (refused address, DNS, connect or response timeout, reset), or null.
  error: string | null;
  // The response body, cut at maxResponseBytes.
  body: string;
  retryAfter: string | undefined;
  latencyMs: number;
}

// Resolves like the system does, then refuses the host when any address it resolves to may not be
// connected to; the socket connects to exactly the addresses checked (no second lookup to rebind).
function guardedLookup(allowedHosts: ReadonlySet<string>): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const { address } of addresses) {
        const refused = checkAddress(hostname, address, allowedHosts);
        if (refused !== null) {
          return callback(Object.assign(new Error(refused), { code: 'EADDRREFUSED' }), '', 0);
        }
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

// One POST, no redirects followed (a 3xx is an answer like any other), with a connect timeout, a
// response deadline and the body read only up to a small cap.
export function sendWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const host = hostOf(url);
  const elapsed = () => Math.round(performance.now() - started);
  if (isIP(host) !== 0) {
    // Literal addresses skip the lookup, so they are checked here.
    const refused = checkAddress(host, host, options.allowedHosts);
    if (refused !== null) {
      return Promise.resolve({ status: null, error: refused, body: '', retryAfter: undefined, latencyMs: 0 });
    }
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'tagforge-destinations/1',
      },
      lookup: guardedLookup(options.allowedHosts),
      agent: false,
    });
    const fail = (error: string) => {
      finish({ status: null, error, body: '', retryAfter: undefined });
      request.destroy();
    };
    const connectTimer = setTimeout(
      () => fail(`no connection within ${options.connectTimeoutMs} ms`),
      options.connectTimeoutMs,
    );
    const responseTimer = setTimeout(
      () => fail(`no complete response within ${options.responseTimeoutMs} ms`),
      options.responseTimeoutMs,
    );
    request.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      fail(error.message || error.code || 'request failed'),
    );
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const retryAfter = response.headers['retry-after'];
        finish({
          status: response.statusCode ?? null,
          error: null,
          body: Buffer.concat(chunks).toString('utf8'),
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        });
        response.destroy();
      };
      response.on('data', (chunk: Buffer) => {
        if (size >= options.maxResponseBytes) return;
        chunks.push(chunk.subarray(0, options.maxResponseBytes - size));
        size += chunk.length;
        if (size >= options.maxResponseBytes) done();
      });
      response.on('end', done);
      response.on('error', () => done());
    });
    request.end(body);
  });
}
