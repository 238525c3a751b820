import { compareInstants, type Instant, parseAsOf } from './as-of';
import { changedPaths } from './changed-paths';
import { assertMaxDepth } from './document-depth';
import { hasForbiddenKeys } from './forbidden-keys';
import { escapePointerToken } from './json-pointer';
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue, ownValue } from './json-value';
import { applyMergePatch } from './merge-patch';
import { ProfileWriteError } from './profile-write-error';

// section -> ISO asOf of the stored data
export type SectionStamps = Record<string, string>;
export type WriteMode = 'replace' | 'merge';

export interface StoredProfile {
  profile: JsonObject;
  stamps: SectionStamps;
}

export interface ProfileWriteInput {
  stored: StoredProfile | null;
  mode: WriteMode;
  body: JsonObject;
  // The latest acceptable stamp (the server clock plus the allowed skew), epoch milliseconds: a stamp
  // from the future would make every real update of its section look stale, forever.
  latestAsOf?: number;
}

export interface StaleSection {
  section: string;
  storedAsOf: string;
  receivedAsOf: string;
}

export interface ProfileWritePlan {
  profile: JsonObject;
  stamps: SectionStamps;
  appliedSections: string[];
  staleSections: StaleSection[];
  changed: boolean;
  changedPaths: string[];
}

// The key of an inline section stamp and of the top-level section -> stamp map.
const AS_OF = 'asOf';

interface ReceivedStamp {
  text: string;
  instant: Instant;
}

// Decides what a PUT (`replace`) or PATCH (`merge`, RFC 7396 per section) does to a stored profile,
// section by section, without I/O. A section write whose stamp is older than the stored stamp is
// skipped and reported stale; an equal stamp is applied, so replays are idempotent; an un-stamped
// write is always applied and keeps the stored stamp. Sections set to null (or, for replace, left
// out) are removed with their stamp. Throws ProfileWriteError for a bad asOf, or a body that is not
// an object, is nested deeper than MAX_DOCUMENT_DEPTH or has a forbidden key.
export function planProfileWrite({ stored, mode, body, latestAsOf }: ProfileWriteInput): ProfileWritePlan {
  assertWritable(body);
  const storedProfile = stored?.profile ?? {};
  const storedStamps = stored?.stamps ?? {};
  const received = receivedStamps(body, latestAsOf);

  const profile = new Map(sectionNames(storedProfile).map((section) => [section, storedProfile[section]]));
  const stamps = new Map(Object.entries(storedStamps));
  const appliedSections: string[] = [];
  const staleSections: StaleSection[] = [];
  for (const [section, value] of sectionWrites(mode, body, storedProfile, storedStamps)) {
    const receivedStamp = received.get(section);
    const storedAsOf = stamps.get(section);
    if (
      receivedStamp !== undefined &&
      storedAsOf !== undefined &&
      isOlder(receivedStamp, section, storedAsOf)
    ) {
      staleSections.push({ section, storedAsOf, receivedAsOf: receivedStamp.text });
      continue;
    }
    appliedSections.push(section);
    if (value === undefined) {
      profile.delete(section);
      stamps.delete(section);
      continue;
    }
    profile.set(section, mode === 'merge' ? applyMergePatch(ownValue(storedProfile, section), value) : value);
    if (receivedStamp !== undefined) stamps.set(section, receivedStamp.text);
  }

  const nextProfile: JsonObject = Object.fromEntries(profile);
  const nextStamps: SectionStamps = Object.fromEntries(stamps);
  return {
    profile: nextProfile,
    stamps: nextStamps,
    appliedSections: appliedSections.sort(),
    staleSections: staleSections.sort((a, b) => (a.section < b.section ? -1 : 1)),
    // A new profile is always a change, even an empty one: it has to be stored.
    changed:
      stored === null || !jsonEqual(stored.profile, nextProfile) || !jsonEqual(stored.stamps, nextStamps),
    changedPaths: changedPaths(stored?.profile, nextProfile),
  };
}

function assertWritable(body: unknown): void {
  if (!isJsonObject(body)) {
    throw new ProfileWriteError('INVALID_DOCUMENT', '', 'a profile must be a JSON object');
  }
  assertMaxDepth(body);
  const pointer = hasForbiddenKeys(body);
  if (pointer !== null) throw new ProfileWriteError('INVALID_DOCUMENT', pointer, 'forbidden field name');
}

// The top-level `asOf` map only carries stamps; it is never a section.
function sectionNames(document: JsonObject): string[] {
  return Object.keys(document).filter((key) => key !== AS_OF);
}

// section -> value written, `undefined` meaning "remove the section". A replace writes every section
// it or the stored profile has; a merge only the sections it names.
function sectionWrites(
  mode: WriteMode,
  body: JsonObject,
  storedProfile: JsonObject,
  storedStamps: SectionStamps,
): Map<string, JsonValue | undefined> {
  const sections =
    mode === 'replace'
      ? new Set([...sectionNames(storedProfile), ...Object.keys(storedStamps), ...sectionNames(body)])
      : sectionNames(body);
  return new Map(
    [...sections].map((section) => {
      const value = ownValue(body, section);
      return [section, value === null ? undefined : value];
    }),
  );
}

// Stamps from the top-level map, overridden by inline `section.asOf` (the inline stamp describes the
// data it sits in). Every stamp given is checked, used or not.
function receivedStamps(body: JsonObject, latestAsOf: number | undefined): Map<string, ReceivedStamp> {
  const stamps = new Map<string, ReceivedStamp>();
  const map = ownValue(body, AS_OF);
  if (map !== undefined) {
    if (!isJsonObject(map)) {
      throw new ProfileWriteError('INVALID_AS_OF', `/${AS_OF}`, 'must map sections to ISO dates');
    }
    for (const [section, asOf] of Object.entries(map)) {
      stamps.set(section, readStamp(asOf, `/${AS_OF}/${escapePointerToken(section)}`, latestAsOf));
    }
  }
  for (const section of sectionNames(body)) {
    const value = body[section];
    const inline = isJsonObject(value) ? ownValue(value, AS_OF) : undefined;
    // A null inline asOf is a merge patch deleting the field, not a stamp.
    if (inline !== undefined && inline !== null) {
      stamps.set(section, readStamp(inline, `/${escapePointerToken(section)}/${AS_OF}`, latestAsOf));
    }
  }
  return stamps;
}

function readStamp(value: JsonValue, pointer: string, latestAsOf: number | undefined): ReceivedStamp {
  const instant = typeof value === 'string' ? parseAsOf(value) : null;
  if (typeof value !== 'string' || instant === null) {
    throw new ProfileWriteError(
      'INVALID_AS_OF',
      pointer,
      'must be an ISO 8601 date or date-time with offset',
    );
  }
  if (latestAsOf !== undefined && instant.epochSeconds * 1000 > latestAsOf) {
    throw new ProfileWriteError(
      'INVALID_AS_OF',
      pointer,
      `is in the future: later than ${new Date(latestAsOf).toISOString()} (the server clock plus the allowed skew)`,
    );
  }
  return { text: value, instant };
}

function isOlder(received: ReceivedStamp, section: string, storedAsOf: string): boolean {
  const stored = parseAsOf(storedAsOf);
  // Stored stamps were checked when written: a bad one is corrupt data, not the client's mistake.
  if (stored === null) throw new Error(`stored asOf of section '${section}' is not an ISO 8601 instant`);
  return compareInstants(received.instant, stored) < 0;
}
