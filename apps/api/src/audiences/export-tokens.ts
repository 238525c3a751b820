import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig, ErrorCode, TagforgeException } from '@tagforge/common';
import { QueueProducer } from '@tagforge/queue';
import type { AudienceRef, ColumnRequest, ExportFormat } from '@tagforge/serving';

// How long a download link stays valid: long enough for a browser to start the download it was made
// for, short enough that a link seen in a proxy log or a browser history is dead by then.
export const EXPORT_TOKEN_TTL_SECONDS = 60;

// What a one-time download link stands for: an export the key was allowed to start, exactly as it
// asked for it. Ids and names only (no customer data), like a job payload: the members of a segment or
// tag with chosen columns, or an ad-hoc audience's members (its rule reads tag ids and values only).
export type ExportGrant = MembersExportGrant | AdHocExportGrant;

export interface MembersExportGrant {
  keyId: string;
  ref: AudienceRef;
  format: ExportFormat;
  asOf?: string;
  columns: ColumnRequest[];
}

export interface AdHocExportGrant {
  keyId: string;
  rule: unknown;
  format: ExportFormat;
  asOf?: string;
}

export const isAdHocGrant = (grant: ExportGrant): grant is AdHocExportGrant => 'rule' in grant;

// One-time export tokens in Redis (every API instance sees them). Only a hash of the token is a
// key, so a Redis dump does not hold live links; GETDEL makes each one good for a single download.
@Injectable()
export class ExportTokens {
  constructor(
    private readonly queue: QueueProducer,
    private readonly config: AppConfig,
  ) {}

  async issue(grant: ExportGrant): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const stored = await this.redis().set(
      this.keyOf(token),
      JSON.stringify(grant),
      'EX',
      EXPORT_TOKEN_TTL_SECONDS,
    );
    if (stored !== 'OK')
      throw new TagforgeException(ErrorCode.ServiceUnavailable, 'could not store the download link');
    return { token, expiresAt: new Date(Date.now() + EXPORT_TOKEN_TTL_SECONDS * 1000) };
  }

  // The grant once, or null for a token that is unknown, used or expired (a malformed one is a 400).
  async redeem(token: string): Promise<ExportGrant | null> {
    if (!EXPORT_TOKEN.test(token)) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        'not a download link: the token is 43 characters of A-Z a-z 0-9 _ -',
      );
    }
    const stored = await this.redis().getdel(this.keyOf(token));
    return stored === null ? null : (JSON.parse(stored) as ExportGrant);
  }

  private redis() {
    const redis = this.queue.redis;
    if (redis.status !== 'ready') {
      throw new TagforgeException(
        ErrorCode.ServiceUnavailable,
        'download links need Redis, which is not reachable now; retry later',
      );
    }
    return redis;
  }

  private keyOf(token: string): string {
    return `${this.config.QUEUE_PREFIX}:export-token:${createHash('sha256').update(token).digest('hex')}`;
  }
}

export const EXPORT_TOKEN = /^[A-Za-z0-9_-]{43}$/;
