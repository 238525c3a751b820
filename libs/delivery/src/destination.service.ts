import { lookup } from 'node:dns/promises';
import { Injectable } from '@nestjs/common';
import { AppConfig, ErrorCode, TagforgeException } from '@tagforge/common';
import {
  AuditLogRepository,
  DestinationRepository,
  TagDefinitionRepository,
  type DeadLetterRow,
  type DeliveryRow,
  type DestinationWithCursor,
  type DeliveryPosition,
} from '@tagforge/persistence';
import { CHANGES_CURSOR } from '@tagforge/serving';
import { DELIVERIES_CURSOR } from './cursors';
import { checkAddress, checkDestinationUrl, hostOf } from './destination-address';
import { deliverySettings, type DeliverySettings } from './delivery-settings';
import { earlyWarningTags, readsBureau } from './early-warning';
import type { ChangeKind, PingPayload } from './payload';
import { generateSecret, signedHeaders } from './signing';
import { sendWebhook } from './webhook-sender';

export const EARLY_WARNING = 'early_warning';
export const DEFAULT_MAX_EVENTS = 500;
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_WAIT_MS = 60_000;
export const MAX_DESTINATION_COLUMNS = 20;
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;
export const DEFAULT_DELIVERIES_PAGE = 50;
export const MAX_DELIVERIES_PAGE = 500;

export interface DestinationActor {
  keyId: string | null;
  name: string;
  // Only an admin may mark a destination for risk use (credit-bureau facts in its payloads).
  admin: boolean;
}

export interface DestinationInput {
  name: string;
  url: string;
  audiences: string[] | typeof EARLY_WARNING;
  events?: ChangeKind[];
  batch?: { maxEvents?: number; maxWaitMs?: number };
  columns?: string[];
  riskUse?: boolean;
}

export type DestinationPatch = Partial<DestinationInput>;

export interface DestinationView {
  id: string;
  name: string;
  url: string;
  audiences: string[] | typeof EARLY_WARNING;
  events: string[];
  batch: { maxEvents: number; maxWaitMs: number };
  columns: string[];
  riskUse: boolean;
  status: string;
  statusReason: string | null;
  cursor: string;
  pendingBatch: boolean;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
  lastDeliveredAt: string | null;
  previousSecretValidUntil: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

const iso = (at: Date | null) => (at === null ? null : new Date(at).toISOString());

const invalid = (pointer: string, message: string) =>
  new TagforgeException(ErrorCode.ValidationFailed, message, [{ pointer, message }]);

export function destinationView({ destination, cursor }: DestinationWithCursor): DestinationView {
  const previousValid =
    destination.previousSecretUntil !== null &&
    new Date(destination.previousSecretUntil).getTime() > Date.now();
  return {
    id: destination.id,
    name: destination.name,
    url: destination.url,
    audiences: destination.earlyWarning ? EARLY_WARNING : destination.audiences,
    events: destination.events,
    batch: { maxEvents: destination.maxEvents, maxWaitMs: destination.maxWaitMs },
    columns: destination.columns,
    riskUse: destination.riskUse,
    status: destination.status,
    statusReason: destination.statusReason,
    cursor: CHANGES_CURSOR.encode({ txid: cursor.txid, seq: cursor.seq }),
    pendingBatch: cursor.batchToTxid !== null,
    consecutiveFailures: cursor.consecutiveFailures,
    nextAttemptAt: iso(cursor.nextAttemptAt),
    lastDeliveredAt: iso(cursor.deliveredAt),
    previousSecretValidUntil: previousValid ? iso(destination.previousSecretUntil) : null,
    createdBy: destination.createdBy,
    createdAt: iso(destination.createdAt)!,
    updatedAt: iso(destination.updatedAt)!,
  };
}

const deliveryView = (row: DeliveryRow) => ({
  id: row.id,
  webhookId: row.webhookId,
  kind: row.kind,
  from: row.from === null ? null : CHANGES_CURSOR.encode(row.from),
  to: row.to === null ? null : CHANGES_CURSOR.encode(row.to),
  events: row.events,
  attempt: row.attempt,
  outcome: row.outcome,
  statusCode: row.statusCode,
  error: row.error,
  latencyMs: row.latencyMs,
  at: row.at.toISOString(),
});

const deadLetterView = (row: DeadLetterRow) => ({
  id: row.id,
  webhookId: row.webhookId,
  from: CHANGES_CURSOR.encode(row.from),
  to: CHANGES_CURSOR.encode(row.to),
  events: row.events,
  statusCode: row.statusCode,
  responseBody: row.responseBody,
  at: row.at.toISOString(),
});

const isAfter = (a: DeliveryPosition, b: DeliveryPosition) =>
  BigInt(a.txid) > BigInt(b.txid) || (a.txid === b.txid && BigInt(a.seq) > BigInt(b.seq));

// Destinations as the API manages them: checked configuration, a secret shown once, rotation,
// pause/resume, a signed ping, replays, and the deliveries log. Every change is audited.
@Injectable()
export class DestinationService {
  private readonly settings: DeliverySettings;

  constructor(
    config: AppConfig,
    private readonly destinations: DestinationRepository,
    private readonly definitions: TagDefinitionRepository,
    private readonly audit: AuditLogRepository,
  ) {
    this.settings = deliverySettings(config);
  }

  async create(
    input: DestinationInput,
    actor: DestinationActor,
  ): Promise<DestinationView & { secret: string }> {
    const checked = await this.check(input, actor);
    const secret = generateSecret();
    const created = await this.destinations.transaction(async (manager) => {
      const row = await this.destinations.create(
        {
          name: input.name,
          url: checked.url,
          audiences: checked.audiences,
          earlyWarning: input.audiences === EARLY_WARNING,
          events: [...(input.events ?? ['entered', 'exited'])].sort(),
          maxEvents: input.batch?.maxEvents ?? DEFAULT_MAX_EVENTS,
          maxWaitMs: input.batch?.maxWaitMs ?? 0,
          columns: input.columns ?? [],
          riskUse: input.riskUse ?? false,
          secret,
          createdBy: actor.name,
        },
        manager,
      );
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'destination.create',
          entity: 'destination',
          entityId: row.destination.id,
          after: this.audited(destinationView(row)),
        },
        manager,
      );
      return row;
    });
    return { ...destinationView(created), secret };
  }

  async list(): Promise<{ items: DestinationView[] }> {
    return { items: (await this.destinations.list()).map(destinationView) };
  }

  async get(id: string): Promise<DestinationView> {
    return destinationView(await this.require(id));
  }

  async update(id: string, patch: DestinationPatch, actor: DestinationActor): Promise<DestinationView> {
    const before = await this.require(id);
    const current = destinationView(before);
    const merged: DestinationInput = {
      name: patch.name ?? current.name,
      url: patch.url ?? current.url,
      audiences: patch.audiences ?? current.audiences,
      events: patch.events ?? (current.events as ChangeKind[]),
      batch: { ...current.batch, ...patch.batch },
      columns: patch.columns ?? current.columns,
      // Only an admin may set it; anyone else's change leaves it as it is.
      riskUse: patch.riskUse ?? current.riskUse,
    };
    if (patch.riskUse !== undefined && patch.riskUse !== current.riskUse && !actor.admin) {
      throw new TagforgeException(ErrorCode.Forbidden, 'only an admin key may change riskUse');
    }
    const checked = await this.check(merged, {
      ...actor,
      admin: actor.admin || merged.riskUse === current.riskUse,
    });
    return this.destinations.transaction(async (manager) => {
      await this.destinations.update(
        id,
        {
          name: merged.name,
          url: checked.url,
          audiences: checked.audiences,
          earlyWarning: merged.audiences === EARLY_WARNING,
          events: [...merged.events!].sort(),
          maxEvents: merged.batch!.maxEvents,
          maxWaitMs: merged.batch!.maxWaitMs,
          columns: merged.columns,
          riskUse: merged.riskUse,
        },
        manager,
      );
      const after = destinationView((await this.destinations.find(id, manager))!);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'destination.update',
          entity: 'destination',
          entityId: id,
          before: this.audited(current),
          after: this.audited(after),
        },
        manager,
      );
      return after;
    });
  }

  async remove(id: string, actor: DestinationActor): Promise<void> {
    const before = await this.require(id);
    await this.destinations.transaction(async (manager) => {
      await this.destinations.delete(id, manager);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'destination.delete',
          entity: 'destination',
          entityId: id,
          before: this.audited(destinationView(before)),
        },
        manager,
      );
    });
  }

  async pause(id: string, actor: DestinationActor): Promise<DestinationView> {
    return this.changeStatus(id, 'paused', 'paused by an operator', actor, 'destination.pause');
  }

  // Resuming a paused or disabled destination: failures are forgotten, the cursor (and the batch it
  // was retrying) kept, so it receives everything it missed, in order.
  async resume(id: string, actor: DestinationActor): Promise<DestinationView> {
    return this.changeStatus(id, 'active', null, actor, 'destination.resume');
  }

  async rotateSecret(
    id: string,
    overlapSeconds: number,
    actor: DestinationActor,
  ): Promise<{ secret: string; previousSecretValidUntil: string }> {
    await this.require(id);
    const secret = generateSecret();
    const until = new Date(Date.now() + overlapSeconds * 1000);
    await this.destinations.transaction(async (manager) => {
      await this.destinations.rotateSecret(id, secret, until, manager);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'destination.rotate_secret',
          entity: 'destination',
          entityId: id,
          after: { previousSecretValidUntil: until.toISOString() },
        },
        manager,
      );
    });
    return { secret, previousSecretValidUntil: until.toISOString() };
  }

  // A signed ping, sent now from this process (whatever the destination's status), logged as a delivery.
  async test(id: string): Promise<{
    webhookId: string;
    ok: boolean;
    statusCode: number | null;
    error: string | null;
    latencyMs: number;
  }> {
    const { destination } = await this.require(id);
    const url = checkDestinationUrl(destination.url, this.settings.send.allowedHosts);
    if (typeof url === 'string') throw invalid('/url', url);
    const at = new Date();
    const webhookId = `msg_ping_${at.getTime().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const payload: PingPayload = { type: 'ping', destinationId: id, at: at.toISOString() };
    const body = JSON.stringify(payload);
    const result = await sendWebhook(
      url,
      { ...signedHeaders(signingSecrets(destination), webhookId, at, body) },
      body,
      this.settings.send,
    );
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    await this.destinations.recordDelivery({
      destinationId: id,
      webhookId,
      kind: 'ping',
      from: null,
      to: null,
      events: 0,
      attempt: 1,
      outcome: ok ? 'delivered' : 'failed',
      statusCode: result.status,
      error: result.error,
      latencyMs: result.latencyMs,
    });
    return { webhookId, ok, statusCode: result.status, error: result.error, latencyMs: result.latencyMs };
  }

  // Re-sends from a position of the history (a cursor: a delivery's `from`, a feed cursor) or from the
  // first change at or after an instant. Never forward: that would skip changes.
  async replay(
    id: string,
    from: { cursor: DeliveryPosition } | { instant: Date },
    actor: DestinationActor,
  ): Promise<DestinationView> {
    const current = await this.require(id);
    const position: DeliveryPosition | null =
      'cursor' in from
        ? from.cursor
        : await this.destinations.positionBefore(await this.tagsOf(current), from.instant);
    const at = { txid: current.cursor.txid, seq: current.cursor.seq };
    if (position !== null && isAfter(position, at)) {
      throw new TagforgeException(
        ErrorCode.Conflict,
        'from lies ahead of the destination cursor: a replay re-sends, it never skips changes',
      );
    }
    return this.destinations.transaction(async (manager) => {
      await this.destinations.replayFrom(id, position ?? at, manager);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'destination.replay',
          entity: 'destination',
          entityId: id,
          before: { cursor: CHANGES_CURSOR.encode(at) },
          after: { cursor: CHANGES_CURSOR.encode(position ?? at) },
        },
        manager,
      );
      return destinationView((await this.destinations.find(id, manager))!);
    });
  }

  async deliveries(id: string, limit: number, before: string | undefined) {
    await this.require(id);
    const rows = await this.destinations.deliveries(id, before ?? null, limit);
    return {
      items: rows.map(deliveryView),
      nextCursor: rows.length === limit ? DELIVERIES_CURSOR.encode(rows[rows.length - 1].id) : null,
    };
  }

  async deadLetters(id: string, limit: number, before: string | undefined) {
    await this.require(id);
    const rows = await this.destinations.deadLetters(id, before ?? null, limit);
    return {
      items: rows.map(deadLetterView),
      nextCursor: rows.length === limit ? DELIVERIES_CURSOR.encode(rows[rows.length - 1].id) : null,
    };
  }

  private async tagsOf({ destination }: DestinationWithCursor): Promise<string[]> {
    if (!destination.earlyWarning) return destination.audiences;
    return earlyWarningTags(await this.definitions.findActive());
  }

  private async changeStatus(
    id: string,
    status: 'active' | 'paused',
    reason: string | null,
    actor: DestinationActor,
    action: string,
  ): Promise<DestinationView> {
    const before = await this.require(id);
    return this.destinations.transaction(async (manager) => {
      await this.destinations.setStatus(id, status, reason, manager);
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action,
          entity: 'destination',
          entityId: id,
          before: { status: before.destination.status },
          after: { status },
        },
        manager,
      );
      return destinationView((await this.destinations.find(id, manager))!);
    });
  }

  private async require(id: string): Promise<DestinationWithCursor> {
    const found = await this.destinations.find(id);
    if (!found) throw new TagforgeException(ErrorCode.NotFound, `no destination ${id}`);
    return found;
  }

  // The audit trail keeps the configuration, never the secret (which the view does not carry).
  private audited(view: DestinationView) {
    const { cursor: _cursor, ...rest } = view;
    return rest;
  }

  // The URL, the audiences and columns against the live catalog, and the purpose rules.
  private async check(
    input: DestinationInput,
    actor: DestinationActor,
  ): Promise<{ url: string; audiences: string[] }> {
    const url = checkDestinationUrl(input.url, this.settings.send.allowedHosts);
    if (typeof url === 'string') throw invalid('/url', url);
    await this.checkResolves(url);
    if (input.riskUse === true && !actor.admin) {
      throw new TagforgeException(
        ErrorCode.Forbidden,
        'only an admin key may mark a destination for risk use (credit-bureau facts in its payloads)',
      );
    }
    const active = new Map((await this.definitions.findActive()).map((row) => [row.tagId, row]));
    let audiences: string[] = [];
    if (input.audiences !== EARLY_WARNING) {
      audiences = [...new Set(input.audiences)].sort();
      const unfit = audiences.filter(
        (tagId) => !['boolean', 'segment'].includes(active.get(tagId)?.kind ?? ''),
      );
      if (unfit.length > 0) {
        throw invalid(
          '/audiences',
          `audiences are active boolean tags or segments; not: ${unfit.join(', ')}`,
        );
      }
    } else if (earlyWarningTags([...active.values()]).length === 0) {
      throw invalid('/audiences', 'the catalog has no active early-warning tags');
    }
    const columns = input.columns ?? [];
    const unknown = columns.filter((tagId) => !active.has(tagId));
    if (unknown.length > 0)
      throw invalid('/columns', `columns are active tag ids; not: ${unknown.join(', ')}`);
    const bureau = columns.filter((tagId) => readsBureau(active.get(tagId)!));
    if (bureau.length > 0 && input.riskUse !== true) {
      throw invalid(
        '/columns',
        `columns computed from credit-bureau data need a destination marked for risk use: ${bureau.join(', ')}`,
      );
    }
    return { url: url.toString(), audiences };
  }

  // Refuses a host that resolves to an address it may not reach (checked again at every delivery).
  private async checkResolves(url: URL): Promise<void> {
    const host = hostOf(url);
    let addresses: { address: string }[];
    try {
      addresses = await lookup(host, { all: true });
    } catch {
      throw invalid('/url', `${host} does not resolve`);
    }
    for (const { address } of addresses) {
      const refused = checkAddress(host, address, this.settings.send.allowedHosts);
      if (refused !== null) throw invalid('/url', refused);
    }
  }
}

// The secrets that sign now: the current one, and the previous one during a rotation's overlap.
export function signingSecrets(destination: {
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
}): string[] {
  const previousValid =
    destination.previousSecret !== null &&
    destination.previousSecretUntil !== null &&
    new Date(destination.previousSecretUntil).getTime() > Date.now();
  return previousValid ? [destination.secret, destination.previousSecret!] : [destination.secret];
}
