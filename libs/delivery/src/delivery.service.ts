import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@tagforge/common';
import {
  AudienceRepository,
  AuditLogRepository,
  DestinationRepository,
  TagDefinitionRepository,
  type DeliveryChange,
  type DeliveryPosition,
  type DestinationWithCursor,
  type TagDefinitionEntity,
} from '@tagforge/persistence';
import { CHANGES_CURSOR, CustomerViewService } from '@tagforge/serving';
import { checkDestinationUrl } from './destination-address';
import { deliverySettings, type DeliverySettings } from './delivery-settings';
import { signingSecrets } from './destination.service';
import { earlyWarningTags } from './early-warning';
import { buildBatch, needsExplanation, selectChanges, type ChangeKind } from './payload';
import { afterFailure, classifyStatus, parseRetryAfter, type AttemptOutcome } from './retry-policy';
import { batchWebhookId, signedHeaders } from './signing';
import { sendWebhook } from './webhook-sender';

// One job's work on one destination is bounded, so a destination with a large backlog yields its
// worker slot now and then (the job is enqueued again at once).
const MAX_BATCHES_PER_JOB = 20;
const MAX_JOB_MS = 5000;
// Explanations computed concurrently for one batch: each holds a pooled connection for its reads.
const EXPLANATIONS_AT_ONCE = 4;

export interface AttemptReport {
  outcome: AttemptOutcome;
  events: number;
  statusCode: number | null;
  latencyMs: number;
}

export interface DeliveryReport {
  destinationId: string;
  // Not claimed: paused, waiting for a retry, or another worker holds it.
  skipped: boolean;
  attempts: AttemptReport[];
  // From each delivered change's profile write committing to the receiver's 2xx.
  endToEndMs: number[];
  disabled: string | null;
  // Stopped on its budget with changes left: deliver again.
  more: boolean;
}

// The delivery loop: read a batch from the destination's cursor, sign and send it, and move the
// cursor only after a 2xx (or once the batch is dead-lettered). A failed batch is pinned (same range,
// same webhook-id on every retry) and waits in Postgres, not in Redis, so a lost job only delays it.
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);
  private readonly settings: DeliverySettings;

  constructor(
    config: AppConfig,
    private readonly destinations: DestinationRepository,
    private readonly definitions: TagDefinitionRepository,
    private readonly audiences: AudienceRepository,
    private readonly views: CustomerViewService,
    private readonly audit: AuditLogRepository,
  ) {
    this.settings = deliverySettings(config);
  }

  // Destinations to wake: active, due, and held by no worker.
  due(): Promise<string[]> {
    return this.destinations.due();
  }

  // Every destination's lag behind the feed head now: the age of the oldest change of its audiences
  // past its cursor (0 when caught up). Read from Postgres rather than kept from the last job, so it
  // grows while a destination waits for a retry, is paused or disabled, and every worker says the same.
  async lagSeconds(): Promise<Map<string, number>> {
    const all = await this.destinations.list();
    const earlyWarning = all.some(({ destination }) => destination.earlyWarning)
      ? earlyWarningTags(await this.definitions.findActive())
      : [];
    const lags = new Map<string, number>();
    for (const { destination, cursor } of all) {
      const [oldest] = await this.destinations.changesAfter(
        destination.earlyWarning ? earlyWarning : destination.audiences,
        { txid: cursor.txid, seq: cursor.seq },
        null,
        1,
      );
      lags.set(
        destination.id,
        oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.at.getTime()) / 1000),
      );
    }
    return lags;
  }

  async deliver(destinationId: string, random: () => number = Math.random): Promise<DeliveryReport> {
    const report: DeliveryReport = {
      destinationId,
      skipped: false,
      attempts: [],
      endToEndMs: [],
      disabled: null,
      more: false,
    };
    const token = randomUUID();
    const claimed = await this.destinations.claim(destinationId, token, this.settings.leaseMs);
    if (!claimed) return { ...report, skipped: true };
    try {
      await this.loop(claimed, token, report, random);
    } finally {
      await this.destinations.release(destinationId, token);
    }
    return report;
  }

  private async loop(
    claimed: DestinationWithCursor,
    token: string,
    report: DeliveryReport,
    random: () => number,
  ): Promise<void> {
    const { destination } = claimed;
    let cursor = claimed.cursor;
    const url = checkDestinationUrl(destination.url, this.settings.send.allowedHosts);
    const tags = destination.earlyWarning
      ? earlyWarningTags(await this.definitions.findActive())
      : destination.audiences;
    const started = Date.now();
    for (let batch = 0; ; batch += 1) {
      if (batch >= MAX_BATCHES_PER_JOB || Date.now() - started > MAX_JOB_MS) {
        report.more = true;
        return;
      }
      if (batch > 0 && !(await this.destinations.stillHeld(destination.id, token, this.settings.leaseMs)))
        return;
      const from = { txid: cursor.txid, seq: cursor.seq };
      const pinned: DeliveryPosition | null =
        cursor.batchToTxid === null ? null : { txid: cursor.batchToTxid, seq: cursor.batchToSeq! };
      const read = await this.destinations.changesAfter(tags, from, pinned, destination.maxEvents);
      if (read.length === 0) {
        // A pinned batch whose rows went (an erasure): nothing left to send of it.
        if (pinned !== null) {
          await this.destinations.advance(destination.id, token, from, pinned, {
            delivered: true,
            leaseMs: this.settings.leaseMs,
          });
        }
        return;
      }
      // Wait for a fuller batch, unless it is a retry or the oldest change has waited long enough.
      if (
        pinned === null &&
        read.length < destination.maxEvents &&
        Date.now() - read[0].at.getTime() < destination.maxWaitMs
      ) {
        return;
      }
      const to = pinned ?? { txid: read[read.length - 1].txid, seq: read[read.length - 1].seq };
      const changes = selectChanges(read, destination.events as ChangeKind[]);
      if (changes.length === 0) {
        if (
          !(await this.destinations.advance(destination.id, token, from, to, {
            delivered: true,
            leaseMs: this.settings.leaseMs,
          }))
        )
          return;
        cursor = { ...cursor, txid: to.txid, seq: to.seq, batchToTxid: null, batchToSeq: null };
        continue;
      }
      if (typeof url === 'string') {
        // The URL was valid when stored; a tightened DESTINATION_ALLOWED_HOSTS can make it invalid.
        report.disabled = url;
        await this.disable(destination.id, url);
        return;
      }
      const webhookId = batchWebhookId(destination.id, from, to, cursor.generation);
      const body = JSON.stringify(await this.payload(claimed, webhookId, from, to, changes));
      const sentAt = new Date();
      const result = await sendWebhook(
        url,
        { ...signedHeaders(signingSecrets(destination), webhookId, sentAt, body) },
        body,
        this.settings.send,
      );
      const answeredAt = Date.now();
      const outcome = classifyStatus(result.status);
      const attempt = cursor.consecutiveFailures + 1;
      report.attempts.push({
        outcome,
        events: changes.length,
        statusCode: result.status,
        latencyMs: result.latencyMs,
      });
      await this.destinations.recordDelivery({
        destinationId: destination.id,
        webhookId,
        kind: 'batch',
        from,
        to,
        events: changes.length,
        attempt,
        outcome: outcome === 'delivered' ? 'delivered' : outcome === 'retry' ? 'failed' : 'dead_lettered',
        statusCode: result.status,
        error: result.error,
        latencyMs: result.latencyMs,
      });
      const now = Date.now();
      if (outcome === 'delivered') {
        for (const change of changes) {
          if (change.writtenAt !== null) report.endToEndMs.push(answeredAt - change.writtenAt.getTime());
        }
        if (
          !(await this.destinations.advance(destination.id, token, from, to, {
            delivered: true,
            leaseMs: this.settings.leaseMs,
          }))
        )
          return;
        cursor = {
          ...cursor,
          txid: to.txid,
          seq: to.seq,
          batchToTxid: null,
          batchToSeq: null,
          consecutiveFailures: 0,
          failingSince: null,
        };
        continue;
      }
      const failures = cursor.consecutiveFailures + 1;
      const failingSince = cursor.failingSince ?? new Date(now);
      if (outcome === 'dead_letter') {
        // Not retried: kept with the response, the cursor moves on (a replay can send it again).
        await this.destinations.addDeadLetter({
          destinationId: destination.id,
          webhookId,
          from,
          to,
          events: changes.length,
          statusCode: result.status,
          responseBody: result.body,
        });
        if (
          !(await this.destinations.advance(destination.id, token, from, to, {
            delivered: false,
            leaseMs: this.settings.leaseMs,
          }))
        )
          return;
        await this.destinations.countFailure(destination.id, token, failures, failingSince);
        if (failures >= this.settings.policy.disableAfterFailures) {
          report.disabled = `${failures} consecutive failed attempts`;
          await this.disable(destination.id, report.disabled);
          return;
        }
        cursor = {
          ...cursor,
          txid: to.txid,
          seq: to.seq,
          batchToTxid: null,
          batchToSeq: null,
          consecutiveFailures: failures,
          failingSince,
        };
        continue;
      }
      const step = afterFailure(
        { consecutiveFailures: failures, failingSinceMs: failingSince.getTime() },
        now,
        this.settings.policy,
        random,
        parseRetryAfter(result.retryAfter, now),
      );
      await this.destinations.recordFailure(destination.id, token, to, {
        consecutiveFailures: failures,
        failingSince,
        nextAttemptAt: step.kind === 'retry' ? new Date(now + step.delayMs) : null,
      });
      if (step.kind === 'disable') {
        report.disabled = step.reason;
        await this.disable(destination.id, step.reason);
      }
      return;
    }
  }

  private async payload(
    { destination }: DestinationWithCursor,
    webhookId: string,
    from: DeliveryPosition,
    to: DeliveryPosition,
    changes: DeliveryChange[],
  ) {
    const customerIds = [...new Set(changes.map((change) => change.customerId))];
    let values: Map<string, Record<string, unknown>> | undefined;
    if (destination.columns.length > 0) {
      values = new Map(customerIds.map((id) => [id, {}]));
      for (const row of await this.audiences.currentForCustomers(customerIds, destination.columns)) {
        values.get(row.customerId)![row.tagId] = row.value;
      }
    }
    let explanations: Map<string, string | null> | undefined;
    if (destination.earlyWarning) {
      explanations = new Map();
      // One catalog read for the batch, not two per signal; a few signals explained at once (each
      // reads its customer's profile and tags: one after the other, a busy batch's explanations
      // took longer than the signals took to arrive).
      const active = await this.definitions.findActive();
      const signals = changes.filter(needsExplanation);
      let next = 0;
      const explainer = async () => {
        while (next < signals.length) {
          const change = signals[next++];
          explanations!.set(change.seq, await this.explanation(change, destination.riskUse, active));
        }
      };
      await Promise.all(Array.from({ length: Math.min(EXPLANATIONS_AT_ONCE, signals.length) }, explainer));
    }
    return buildBatch({
      destinationId: destination.id,
      earlyWarning: destination.earlyWarning,
      webhookId,
      from: CHANGES_CURSOR.encode(from),
      to: CHANGES_CURSOR.encode(to),
      changes,
      cursorOf: (point) => CHANGES_CURSOR.encode({ txid: point.txid, seq: point.seq }),
      values,
      explanations,
    });
  }

  // Why the signal holds, in words, as a reader without bureau:read gets it unless the destination
  // is marked for risk use; null when it cannot be said (the customer was erased, the tag retired).
  private async explanation(
    change: DeliveryChange,
    riskUse: boolean,
    active: readonly TagDefinitionEntity[],
  ): Promise<string | null> {
    try {
      return (
        await this.views.explainText(change.customerId, change.tagId, 'en', riskUse, active)
      ).text.trimEnd();
    } catch {
      return null;
    }
  }

  private async disable(destinationId: string, reason: string): Promise<void> {
    this.logger.warn(`destination ${destinationId} disabled: ${reason}`);
    await this.destinations.transaction(async (manager) => {
      await this.destinations.setStatus(destinationId, 'disabled', reason, manager);
      await this.audit.append(
        {
          actorKeyId: null,
          actorName: 'tagforge-worker',
          action: 'destination.disable',
          entity: 'destination',
          entityId: destinationId,
          after: { status: 'disabled', reason },
        },
        manager,
      );
    });
  }
}
