import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AppConfig,
  ErrorCode,
  MAX_ARRAY_ITEMS,
  TagforgeException,
  assertCustomerId,
  isCustomerId,
  oversizedArray,
  storableReviver,
} from '@tagforge/common';
import {
  AuditLogRepository,
  ProfileRepository,
  type ErasureCounts,
  type ProfileUpdate,
  type StoredProfile,
} from '@tagforge/persistence';
import {
  ProfileValidator,
  ProfileWriteError,
  hasForbiddenKeys,
  planProfileWrite,
  redactSections,
  type JsonObject,
  type ProfileWritePlan,
  type WriteMode,
} from '@tagforge/profile';
import { JobName, QueueProducer } from '@tagforge/queue';
import { enqueueFailuresTotal, profileWritesTotal, staleSectionsTotal } from './ingestion-metrics';
import { PROFILE_VALIDATOR } from './profile-schema.provider';

export const MAX_BATCH_LINES = 10_000;

export interface StaleSection {
  section: string;
  storedAsOf: string;
  receivedAsOf: string;
}

export interface WriteOutcome {
  customerId: string;
  version: number;
  changed: boolean;
  staleSections: StaleSection[];
}

export type BatchLineResult =
  | ({ line: number; status: 'ok' } & WriteOutcome)
  | {
      line: number;
      status: 'error';
      customerId?: string;
      error: { code: ErrorCode; message: string; details?: unknown };
    };

// What a batch did, line by line; blank lines are skipped (counted, not answered).
export interface BatchReport {
  lines: number;
  ok: number;
  failed: number;
  skipped: number;
  results: BatchLineResult[];
}

export interface ProfileView {
  customerId: string;
  version: number;
  evaluatedVersion: number;
  updatedAt: Date;
  sectionAsOf: Record<string, string>;
  profile: JsonObject;
}

interface LineRequest {
  line: number;
  customerId: string;
  mode: WriteMode;
  document: JsonObject;
}

// Writes profiles: validate, apply against the locked stored row (stale sections kept), bump the
// version in the same transaction, and only after commit ask for an evaluation.
@Injectable()
export class ProfileIngestionService {
  private readonly logger = new Logger(ProfileIngestionService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly profiles: ProfileRepository,
    private readonly producer: QueueProducer,
    private readonly audit: AuditLogRepository,
    @Inject(PROFILE_VALIDATOR) private readonly validator: ProfileValidator,
  ) {}

  async write(customerId: string, mode: WriteMode, document: JsonObject): Promise<WriteOutcome> {
    assertCustomerId(customerId);
    const request: LineRequest = { line: 1, customerId, mode, document: this.checkDocument(document) };
    const outcome = await this.profiles.transaction(async (manager) => {
      const stored = (await this.profiles.lockForWrite([customerId], manager)).get(customerId);
      const result = this.apply(stored, request);
      if (result instanceof TagforgeException) throw result;
      if (result.update) await this.profiles.saveMany([result.update], manager);
      else await this.profiles.dropPlaceholders([customerId], manager);
      return result.outcome;
    });
    this.record(mode, [outcome]);
    await this.requestEvaluation([outcome]);
    return outcome;
  }

  // One transaction for the whole batch; each line is applied in memory in order and either
  // fully or not at all, so a bad line never blocks the good ones.
  // Each line is answered on its own; a batch in which no line could be written is refused as a whole
  // (422 with the report of every line), and one without any line is a 400.
  async writeBatch(ndjson: string): Promise<BatchReport> {
    const lines = ndjson.split('\n');
    if (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    if (lines.length > MAX_BATCH_LINES) {
      throw new TagforgeException(
        ErrorCode.PayloadTooLarge,
        `a batch holds at most ${MAX_BATCH_LINES} lines; this one has ${lines.length}`,
      );
    }
    const results = await this.writeLines(lines);
    const skipped = lines.length - results.length;
    if (results.length === 0) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        'the batch holds no lines: send one JSON object per line',
      );
    }
    const ok = results.filter((result) => result.status === 'ok').length;
    if (ok === 0) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        `every line of the batch failed (${results.length} of ${results.length}); nothing was written`,
        results,
      );
    }
    return { lines: results.length, ok, failed: results.length - ok, skipped, results };
  }

  private async writeLines(lines: readonly string[]): Promise<BatchLineResult[]> {
    const results: BatchLineResult[] = [];
    const requests: LineRequest[] = [];
    lines.forEach((text, index) => {
      // A blank line (an editor's trailing newline, a separator) is not a record.
      if (text.trim() === '') return;
      const parsed = this.parseLine(text, index + 1);
      if ('status' in parsed) results.push(parsed);
      else requests.push(parsed);
    });
    if (requests.length === 0) return results;

    const outcomes = await this.profiles.transaction(async (manager) => {
      const current = await this.profiles.lockForWrite(
        requests.map((request) => request.customerId),
        manager,
      );
      const updates = new Map<string, ProfileUpdate>();
      const accepted: WriteOutcome[] = [];
      for (const request of requests) {
        const result = this.apply(current.get(request.customerId), request);
        if (result instanceof TagforgeException) {
          results.push({
            line: request.line,
            status: 'error',
            customerId: request.customerId,
            error: errorOf(result),
          });
          continue;
        }
        if (result.update) {
          const earlier = updates.get(request.customerId)?.changedPaths ?? [];
          updates.set(request.customerId, {
            ...result.update,
            changedPaths: [...new Set([...earlier, ...result.update.changedPaths])],
          });
          current.set(request.customerId, { ...result.stored, ...result.update });
        }
        results.push({ line: request.line, status: 'ok', ...result.outcome });
        accepted.push(result.outcome);
      }
      await this.profiles.saveMany([...updates.values()], manager);
      await this.profiles.dropPlaceholders(
        [...current.keys()].filter((id) => !updates.has(id)),
        manager,
      );
      return accepted;
    });
    this.record('batch', outcomes);
    results.sort((a, b) => a.line - b.line);
    const latest = new Map(outcomes.filter((outcome) => outcome.changed).map((o) => [o.customerId, o]));
    await this.requestEvaluation([...latest.values()]);
    return results;
  }

  async read(customerId: string, hiddenSections: readonly string[]): Promise<ProfileView> {
    assertCustomerId(customerId);
    const stored = await this.profiles.find(customerId);
    if (!stored) throw new TagforgeException(ErrorCode.NotFound, `customer ${customerId} has no profile`);
    return {
      customerId,
      version: stored.version,
      evaluatedVersion: stored.evaluatedVersion,
      updatedAt: stored.updatedAt,
      sectionAsOf: Object.fromEntries(
        Object.entries(stored.stamps).filter(([section]) => !hiddenSections.includes(section)),
      ),
      profile: redactSections(stored.profile as JsonObject, hiddenSections),
    };
  }

  async erase(
    customerId: string,
    actor: { keyId: string | null; name: string },
  ): Promise<{ customerId: string; removed: ErasureCounts }> {
    assertCustomerId(customerId);
    const removed = await this.profiles.transaction(async (manager) => {
      const counts = await this.profiles.erase(customerId, manager);
      if (counts.profiles === 0 && counts.tags === 0 && counts.events === 0 && counts.campaignRecords === 0) {
        throw new TagforgeException(ErrorCode.NotFound, `customer ${customerId} has no profile`);
      }
      await this.audit.append(
        {
          actorKeyId: actor.keyId,
          actorName: actor.name,
          action: 'customer.erase',
          entity: 'customer',
          entityId: customerId,
          after: counts,
        },
        manager,
      );
      return counts;
    });
    return { customerId, removed };
  }

  private parseLine(text: string, line: number): LineRequest | BatchLineResult {
    const fail = (code: ErrorCode, message: string, customerId?: string): BatchLineResult => ({
      line,
      status: 'error',
      customerId,
      error: { code, message },
    });
    let value: unknown;
    try {
      value = JSON.parse(text, storableReviver);
    } catch (error) {
      return fail(ErrorCode.InvalidJson, `line ${line} is not valid JSON: ${(error as Error).message}`);
    }
    if (!isPlainObject(value)) return fail(ErrorCode.BadRequest, `line ${line} must be a JSON object`);
    const { customerId, profile, patch, ...rest } = value;
    const extra = Object.keys(rest);
    if (extra.length > 0)
      return fail(ErrorCode.BadRequest, `line ${line} has unknown fields: ${extra.join(', ')}`);
    if (customerId === undefined) return fail(ErrorCode.BadRequest, `line ${line} has no customerId`);
    if (!isCustomerId(customerId)) {
      return fail(
        ErrorCode.InvalidId,
        `line ${line}: customerId must be 1-64 characters of letters, digits and _ . : -`,
      );
    }
    if ((profile === undefined) === (patch === undefined)) {
      return fail(ErrorCode.BadRequest, `line ${line} needs exactly one of "profile" or "patch"`, customerId);
    }
    try {
      const document = this.checkDocument(profile ?? patch);
      return { line, customerId, mode: profile !== undefined ? 'replace' : 'merge', document };
    } catch (error) {
      if (error instanceof TagforgeException)
        return { line, status: 'error', customerId, error: errorOf(error) };
      throw error;
    }
  }

  private checkDocument(body: unknown): JsonObject {
    if (!isPlainObject(body)) {
      throw new TagforgeException(ErrorCode.ValidationFailed, 'the profile must be a JSON object', [
        { pointer: '', message: 'must be an object' },
      ]);
    }
    const oversized = oversizedArray(body);
    if (oversized !== null) {
      throw new TagforgeException(ErrorCode.ValidationFailed, 'the profile holds an array that is too long', [
        { pointer: oversized, message: `arrays hold at most ${MAX_ARRAY_ITEMS} items` },
      ]);
    }
    const forbidden = hasForbiddenKeys(body);
    if (forbidden !== null) {
      throw new TagforgeException(ErrorCode.ValidationFailed, 'the profile contains a forbidden key', [
        { pointer: forbidden, message: 'keys __proto__, constructor and prototype are not allowed' },
      ]);
    }
    return body as JsonObject;
  }

  private apply(
    stored: StoredProfile | undefined,
    request: LineRequest,
  ): TagforgeException | { stored: StoredProfile; outcome: WriteOutcome; update: ProfileUpdate | null } {
    if (!stored) throw new Error(`no locked row for ${request.customerId}`);
    const isNew = stored.version === 0;
    if (request.mode === 'replace') {
      const problems = this.validator.validate(request.document);
      if (problems.length > 0) return invalidProfile(problems);
    }
    let plan: ProfileWritePlan;
    try {
      plan = planProfileWrite({
        stored: isNew ? null : { profile: stored.profile as JsonObject, stamps: stored.stamps },
        mode: request.mode,
        body: request.document,
        latestAsOf: Date.now() + this.config.AS_OF_MAX_FUTURE_SECONDS * 1000,
      });
    } catch (error) {
      if (error instanceof ProfileWriteError) {
        return new TagforgeException(ErrorCode.ValidationFailed, error.message, [
          { pointer: error.pointer, message: error.message },
        ]);
      }
      throw error;
    }
    if (request.mode === 'merge') {
      const problems = this.validator.validate(plan.profile);
      if (problems.length > 0) return invalidProfile(problems);
    }
    // A first write always creates the customer, even when it is `{}`.
    const changed = plan.changed || isNew;
    const version = changed ? stored.version + 1 : stored.version;
    return {
      stored,
      outcome: { customerId: request.customerId, version, changed, staleSections: plan.staleSections },
      update: changed
        ? {
            customerId: request.customerId,
            profile: plan.profile,
            stamps: plan.stamps,
            version,
            changedPaths: plan.changedPaths,
          }
        : null,
    };
  }

  private record(mode: WriteMode | 'batch', outcomes: readonly WriteOutcome[]): void {
    for (const outcome of outcomes) {
      profileWritesTotal.inc({ mode, outcome: outcome.changed ? 'changed' : 'unchanged' });
      staleSectionsTotal.inc(outcome.staleSections.length);
    }
  }

  // The write has committed; if Redis is unreachable the reconciler enqueues it later.
  private async requestEvaluation(outcomes: readonly WriteOutcome[]): Promise<void> {
    const changed = outcomes.filter((outcome) => outcome.changed);
    if (changed.length === 0) return;
    try {
      await this.producer.enqueueMany(
        changed.map((outcome) => ({
          name: JobName.EvaluateCustomer,
          data: { customerId: outcome.customerId },
        })),
      );
    } catch (error) {
      enqueueFailuresTotal.inc(changed.length);
      this.logger.warn(
        `evaluation not enqueued for ${changed.length} customer(s): ${(error as Error).message}`,
      );
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidProfile(problems: readonly { pointer: string; message: string }[]): TagforgeException {
  return new TagforgeException(
    ErrorCode.ValidationFailed,
    `the profile does not match the schema (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
    problems.map(({ pointer, message }) => ({ pointer, message })),
  );
}

function errorOf(error: TagforgeException): { code: ErrorCode; message: string; details?: unknown } {
  return { code: error.code, message: error.message, details: error.details };
}
