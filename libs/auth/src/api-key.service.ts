import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { ApiKeyRepository, AuditLogRepository, type ApiKeyEntity } from '@tagforge/persistence';
import { bootstrapKeyIdentity, newApiKey, parseApiKey, secretMatches } from './api-key-format';
import { isScope, type Scope } from './scopes';

export interface Principal {
  keyId: string;
  name: string;
  scopes: readonly Scope[];
}

interface VerifiedKey {
  principal: Principal;
  expiresAt: number;
}

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

// Verified keys are remembered briefly so a busy CRM does not cost a query per request. A revocation
// through this service takes effect at once in its own process; in the others (`tagctl keys revoke`
// runs in its own, beside the API's) within this many milliseconds. An expiry takes effect at its
// instant either way.
const VERIFY_CACHE_MS = 5000;
const VERIFY_CACHE_MAX = 10_000;

@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);
  private readonly verified = new Map<string, { found: VerifiedKey | null; until: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: ApiKeyRepository,
    private readonly audit: AuditLogRepository,
  ) {}

  async create(
    input: { name: string; scopes: string[]; expiresAt?: Date | null },
    actor: Principal | null,
  ): Promise<ApiKeyView & { key: string }> {
    const scopes = validateScopes(input.scopes);
    const name = input.name.trim();
    if (name.length === 0 || name.length > 128) {
      throw new TagforgeException(ErrorCode.ValidationFailed, 'name must be 1-128 characters');
    }
    const { id, key, hash } = newApiKey();
    const row = await this.dataSource.transaction(async (manager) => {
      const inserted = await this.keys.insert(
        { id, name, hash, scopes, expiresAt: input.expiresAt ?? null },
        manager,
      );
      await this.audit.append(
        { ...actorOf(actor), action: 'key.create', entity: 'api_key', entityId: id, after: view(inserted) },
        manager,
      );
      return inserted;
    });
    return { ...view(row), key };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.keys.list()).map(view);
  }

  async revoke(id: string, actor: Principal | null): Promise<ApiKeyView> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const row = await this.keys.revoke(id, manager);
      if (row) {
        await this.audit.append(
          { ...actorOf(actor), action: 'key.revoke', entity: 'api_key', entityId: id, after: view(row) },
          manager,
        );
      }
      return row;
    });
    if (!revoked) throw new TagforgeException(ErrorCode.NotFound, `no active key with id ${id}`);
    this.verified.clear();
    return view(revoked);
  }

  async ensureBootstrapKey(key: string): Promise<void> {
    const { id, hash } = bootstrapKeyIdentity(key);
    const existing = await this.keys.findById(id);
    if (existing) {
      if (existing.revokedAt) this.logger.warn('BOOTSTRAP_API_KEY names a revoked key; it stays revoked');
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      const inserted = await this.keys.insert(
        { id, name: 'bootstrap', hash, scopes: ['admin'], expiresAt: null },
        manager,
      );
      await this.audit.append(
        {
          actorKeyId: null,
          actorName: 'system',
          action: 'key.create',
          entity: 'api_key',
          entityId: id,
          after: view(inserted),
        },
        manager,
      );
    });
    this.logger.log('bootstrap admin key ensured');
  }

  async verify(presented: string): Promise<Principal | null> {
    const now = Date.now();
    const cached = this.verified.get(presented);
    let found: VerifiedKey | null;
    if (cached && cached.until > now) found = cached.found;
    else {
      found = await this.lookup(presented);
      if (this.verified.size >= VERIFY_CACHE_MAX) this.verified.clear();
      this.verified.set(presented, { found, until: now + VERIFY_CACHE_MS });
    }
    return found && found.expiresAt > now ? found.principal : null;
  }

  // The key's principal and expiry (ms; Infinity when it has none), or null when it is unknown,
  // its secret does not match or it is revoked.
  private async lookup(presented: string): Promise<VerifiedKey | null> {
    const parsed = parseApiKey(presented);
    const { id, secret } = parsed ?? { id: bootstrapKeyIdentity(presented).id, secret: presented };
    const row = await this.keys.findById(id);
    if (!row || !secretMatches(secret, row.hash) || row.revokedAt) return null;
    return {
      principal: { keyId: row.id, name: row.name, scopes: row.scopes.filter(isScope) },
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : Infinity,
    };
  }
}

function validateScopes(scopes: string[]): Scope[] {
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new TagforgeException(
      ErrorCode.ValidationFailed,
      scopes.length === 0 ? 'at least one scope is required' : `unknown scopes: ${unknown.join(', ')}`,
    );
  }
  return [...new Set(scopes)] as Scope[];
}

function view(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

function actorOf(actor: Principal | null): { actorKeyId: string | null; actorName: string } {
  return actor
    ? { actorKeyId: actor.keyId, actorName: actor.name }
    : { actorKeyId: null, actorName: 'tagctl' };
}
