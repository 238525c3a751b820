import { Injectable, type CanActivate, type ExecutionContext, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig, ErrorCode, TagforgeException } from '@tagforge/common';
import type { AuthenticatedRequest } from './api-key.guard';

interface Bucket {
  tokens: number;
  // Date.now() of the last refill
  at: number;
}

// A bucket refilled to the brim has forgotten its past: it is dropped at the next sweep.
const SWEEP_MS = 10_000;

// Requests per second per API key (after ApiKeyGuard has identified it), a token bucket of
// RATE_LIMIT_PER_SECOND tokens refilled at that rate; routes without a key count by address. A
// request over the limit is a 429 with Retry-After (whole seconds until a token is back).
// Replaces @nestjs/throttler, which hashed a key (SHA-256) for every request and filtered the list
// of that key's hits in the last second on every request (docs/performance.md, "Serving API"); it
// also counted each route apart, where the documented limit is the key's.
@Injectable()
export class KeyRateLimitGuard implements CanActivate, OnModuleDestroy {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limit: number;
  private readonly perMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(config: AppConfig) {
    this.limit = config.RATE_LIMIT_PER_SECOND;
    this.perMs = this.limit / 1000;
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const keyId = request.principal?.keyId;
    const remaining = this.take(keyId ? `key:${keyId}` : `ip:${request.ip}`, Date.now());
    const reply = http.getResponse<FastifyReply>();
    if (remaining < 0) {
      void reply.header('Retry-After', String(Math.ceil(-remaining / this.perMs / 1000)));
      throw new TagforgeException(ErrorCode.RateLimited, 'too many requests; retry later');
    }
    // As @nestjs/throttler sent them; Reset: whole seconds until the bucket is full again.
    void reply.header('X-RateLimit-Limit', this.limit);
    void reply.header('X-RateLimit-Remaining', Math.floor(remaining));
    void reply.header('X-RateLimit-Reset', Math.ceil((this.limit - remaining) / this.perMs / 1000));
    return true;
  }

  // Takes one token; returns the tokens left, or when none was there, minus the part of a token
  // still missing (nothing is taken then).
  take(tracker: string, now: number): number {
    let bucket = this.buckets.get(tracker);
    if (!bucket) {
      bucket = { tokens: this.limit, at: now };
      this.buckets.set(tracker, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(this.limit, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return bucket.tokens - 1;
    bucket.tokens -= 1;
    return bucket.tokens;
  }

  private sweep(now: number): void {
    for (const [tracker, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.limit) this.buckets.delete(tracker);
    }
  }
}
