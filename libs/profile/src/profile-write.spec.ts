import fc from 'fast-check';
import { MAX_DOCUMENT_DEPTH } from './document-depth';
import { hasForbiddenKeys } from './forbidden-keys';
import { isJsonObject, type JsonObject } from './json-value';
import { planProfileWrite, type ProfileWriteInput, type StoredProfile } from './profile-write';
import { ProfileWriteError } from './profile-write-error';
import { deepFreeze, smallJson } from './testing/json-arbitrary';

const MAY_1 = '2024-05-01T00:00:00Z';
const MAY_2 = '2024-05-02T00:00:00Z';
const MAY_3 = '2024-05-03T00:00:00Z';

function storedProfile(): StoredProfile {
  return {
    profile: {
      deposits: { asOf: MAY_2, balance: 1000, avgBalance3m: 900 },
      loans: [{ type: 'car', outstanding: 500 }],
      bureau: { score: 700 },
    },
    stamps: { deposits: MAY_2, loans: MAY_2 },
  };
}

function capture(input: ProfileWriteInput): ProfileWriteError {
  try {
    planProfileWrite(input);
  } catch (error) {
    if (error instanceof ProfileWriteError) return error;
    throw error;
  }
  throw new Error('expected a ProfileWriteError');
}

describe('planProfileWrite', () => {
  describe('a new profile', () => {
    it('takes stamps from inline asOf and the top-level map, which it keeps out of the document', () => {
      const plan = planProfileWrite({
        stored: null,
        mode: 'replace',
        body: {
          asOf: { loans: MAY_1, cards: MAY_2 },
          deposits: { asOf: MAY_3, balance: 10 },
          loans: [],
          bureau: { score: 700 },
        },
      });
      expect(plan).toStrictEqual({
        profile: { deposits: { asOf: MAY_3, balance: 10 }, loans: [], bureau: { score: 700 } },
        stamps: { deposits: MAY_3, loans: MAY_1 },
        appliedSections: ['bureau', 'deposits', 'loans'],
        staleSections: [],
        changed: true,
        changedPaths: ['bureau', 'deposits', 'loans'],
      });
    });

    it('is a change even when empty, because it has to be stored', () => {
      expect(planProfileWrite({ stored: null, mode: 'merge', body: {} })).toMatchObject({
        profile: {},
        stamps: {},
        changed: true,
        changedPaths: [],
      });
    });
  });

  describe('replace', () => {
    it('keeps a section whose stamp is older than the stored one and reports it stale', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'replace',
        body: {
          asOf: { loans: MAY_3 },
          deposits: { asOf: MAY_1, balance: 1 },
          loans: [],
          bureau: { score: 700 },
        },
      });
      expect(plan.profile).toStrictEqual({
        deposits: { asOf: MAY_2, balance: 1000, avgBalance3m: 900 },
        loans: [],
        bureau: { score: 700 },
      });
      expect(plan.stamps).toStrictEqual({ deposits: MAY_2, loans: MAY_3 });
      expect(plan.staleSections).toEqual([{ section: 'deposits', storedAsOf: MAY_2, receivedAsOf: MAY_1 }]);
      expect(plan.appliedSections).toEqual(['bureau', 'loans']);
      expect(plan.changedPaths).toEqual(['loans']);
    });

    it('applies an equal stamp, compared as an instant', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'replace',
        body: {
          deposits: { asOf: '2024-05-02T08:00:00+08:00', balance: 5 },
          asOf: { loans: MAY_2 },
          loans: [],
        },
      });
      expect(plan.staleSections).toEqual([]);
      expect(plan.profile.deposits).toStrictEqual({ asOf: '2024-05-02T08:00:00+08:00', balance: 5 });
      expect(plan.stamps).toStrictEqual({ deposits: '2024-05-02T08:00:00+08:00', loans: MAY_2 });
    });

    it('removes sections the body leaves out, with their stamps', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'replace',
        body: { bureau: { score: 710 } },
      });
      expect(plan.profile).toStrictEqual({ bureau: { score: 710 } });
      expect(plan.stamps).toStrictEqual({});
      expect(plan.appliedSections).toEqual(['bureau', 'deposits', 'loans']);
      expect(plan.changedPaths).toEqual(['bureau.score', 'deposits', 'loans']);
    });

    it('does not remove a left-out section when the map stamps that removal older than the stored data', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'replace',
        body: { asOf: { loans: MAY_1 }, deposits: { asOf: MAY_2, balance: 1000, avgBalance3m: 900 } },
      });
      expect(plan.profile.loans).toStrictEqual([{ type: 'car', outstanding: 500 }]);
      expect(plan.staleSections).toEqual([{ section: 'loans', storedAsOf: MAY_2, receivedAsOf: MAY_1 }]);
      expect(plan.changedPaths).toEqual(['bureau']);
    });

    it('counts an added section or an added field as a change', () => {
      const { profile, stamps } = storedProfile();
      const addSection = planProfileWrite({
        stored: storedProfile(),
        mode: 'replace',
        body: { ...profile, cards: [] },
      });
      const addField = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { bureau: { thinFile: true } },
      });
      const restamp = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { asOf: { bureau: MAY_1 }, bureau: {} },
      });

      expect(addSection).toMatchObject({ changed: true, changedPaths: ['cards'], stamps });
      expect(addField).toMatchObject({ changed: true, changedPaths: ['bureau.thinFile'] });
      expect(restamp).toMatchObject({
        changed: true,
        changedPaths: [],
        stamps: { ...stamps, bureau: MAY_1 },
      });
    });

    it('applies an un-stamped section and keeps the stored stamp', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'replace',
        body: { deposits: { balance: 1 }, loans: [] },
      });
      expect(plan.profile).toStrictEqual({ deposits: { balance: 1 }, loans: [] });
      expect(plan.stamps).toStrictEqual({ deposits: MAY_2, loans: MAY_2 });
    });
  });

  describe('merge', () => {
    it('merge-patches each section, skipping a stale one entirely', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: {
          deposits: { asOf: MAY_1, balance: 1, avgBalance3m: null },
          bureau: { score: 710, thinFile: false },
        },
      });
      expect(plan.profile).toStrictEqual({
        deposits: { asOf: MAY_2, balance: 1000, avgBalance3m: 900 },
        loans: [{ type: 'car', outstanding: 500 }],
        bureau: { score: 710, thinFile: false },
      });
      expect(plan.stamps).toStrictEqual({ deposits: MAY_2, loans: MAY_2 });
      expect(plan.staleSections).toEqual([{ section: 'deposits', storedAsOf: MAY_2, receivedAsOf: MAY_1 }]);
      expect(plan.appliedSections).toEqual(['bureau']);
      expect(plan.changedPaths).toEqual(['bureau.score', 'bureau.thinFile']);
    });

    it('applies a newer section patch and takes its stamp', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { deposits: { asOf: MAY_3, balance: 1, avgBalance3m: null } },
      });
      expect(plan.profile.deposits).toStrictEqual({ asOf: MAY_3, balance: 1 });
      expect(plan.stamps).toStrictEqual({ deposits: MAY_3, loans: MAY_2 });
      expect(plan.changedPaths).toEqual(['deposits.asOf', 'deposits.avgBalance3m', 'deposits.balance']);
    });

    it('stamps array sections from the top-level map, which is never merged into the document', () => {
      const body = { asOf: { loans: MAY_3, cards: MAY_3 }, loans: [], cards: [{ limit: 1 }] };
      const stale = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { ...body, asOf: { loans: MAY_1 } },
      });
      const fresh = planProfileWrite({ stored: storedProfile(), mode: 'merge', body });

      expect(stale.profile.loans).toStrictEqual([{ type: 'car', outstanding: 500 }]);
      expect(stale.staleSections).toEqual([{ section: 'loans', storedAsOf: MAY_2, receivedAsOf: MAY_1 }]);
      expect(fresh.profile).not.toHaveProperty('asOf');
      expect(fresh.profile.loans).toStrictEqual([]);
      expect(fresh.stamps).toStrictEqual({ deposits: MAY_2, loans: MAY_3, cards: MAY_3 });
    });

    it('prefers the inline stamp over the top-level map', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { asOf: { deposits: MAY_1 }, deposits: { asOf: MAY_3, balance: 2 } },
      });
      expect(plan.staleSections).toEqual([]);
      expect(plan.stamps.deposits).toBe(MAY_3);
    });

    it('deletes a section set to null and drops its stamp', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { deposits: null, digital: null },
      });
      expect(plan.profile).toStrictEqual({
        loans: [{ type: 'car', outstanding: 500 }],
        bureau: { score: 700 },
      });
      expect(plan.stamps).toStrictEqual({ loans: MAY_2 });
      expect(plan.appliedSections).toEqual(['deposits', 'digital']);
      expect(plan.changedPaths).toEqual(['deposits']);
    });

    it('keeps a section whose deletion the map stamps older than the stored data', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { asOf: { loans: MAY_1 }, loans: null },
      });
      expect(plan.profile.loans).toStrictEqual([{ type: 'car', outstanding: 500 }]);
      expect(plan.staleSections).toEqual([{ section: 'loans', storedAsOf: MAY_2, receivedAsOf: MAY_1 }]);
      expect(plan.changed).toBe(false);
    });

    it('deletes an inline asOf field on a null patch but keeps the stamp', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { deposits: { asOf: null } },
      });
      expect(plan.profile.deposits).toStrictEqual({ balance: 1000, avgBalance3m: 900 });
      expect(plan.stamps.deposits).toBe(MAY_2);
    });
  });

  describe('replays', () => {
    it.each(['replace', 'merge'] as const)('%s: replaying a write changes nothing', (mode) => {
      const body: JsonObject = {
        asOf: { loans: MAY_3 },
        deposits: { asOf: MAY_3, balance: 5 },
        loans: [{ type: 'mortgage', outstanding: 1 }],
        bureau: null,
      };
      const first = planProfileWrite({ stored: storedProfile(), mode, body });
      const replay = planProfileWrite({
        stored: { profile: first.profile, stamps: first.stamps },
        mode,
        body,
      });

      expect(first.changed).toBe(true);
      expect(replay).toMatchObject({
        profile: first.profile,
        stamps: first.stamps,
        changed: false,
        changedPaths: [],
      });
      expect(replay.appliedSections).toEqual(first.appliedSections);
    });

    it('reports no change for a write equal to the stored data in another key order', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'replace',
        body: {
          bureau: { score: 700 },
          loans: [{ outstanding: 500, type: 'car' }],
          deposits: { avgBalance3m: 900, balance: 1000, asOf: MAY_2 },
        },
      });
      expect(plan.changed).toBe(false);
    });

    it('property: a replayed write never changes anything', () => {
      const section = fc.constantFrom('deposits', 'loans', 'bureau');
      // Inline stamps are covered above; here stamps come from the map only.
      const sectionValue = smallJson.map((value) =>
        isJsonObject(value)
          ? Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'asOf'))
          : value,
      );
      const body = fc
        .record({
          sections: fc.dictionary(section, sectionValue, { maxKeys: 3 }),
          asOf: fc.dictionary(section, fc.constantFrom(MAY_1, MAY_2, MAY_3)),
        })
        .map(({ sections, asOf }): JsonObject => ({ ...sections, asOf }))
        .filter((write) => hasForbiddenKeys(write) === null);
      fc.assert(
        fc.property(fc.constantFrom('replace' as const, 'merge' as const), body, (mode, write) => {
          const first = planProfileWrite({ stored: storedProfile(), mode, body: write });
          const replay = planProfileWrite({
            stored: { profile: first.profile, stamps: first.stamps },
            mode,
            body: write,
          });
          expect(replay.changed).toBe(false);
          expect(replay.changedPaths).toEqual([]);
          expect(replay.staleSections).toEqual(first.staleSections);
        }),
      );
    });
  });

  describe('errors', () => {
    it.each([
      [{ deposits: { asOf: 'yesterday', balance: 1 } }, '/deposits/asOf'],
      [{ deposits: { asOf: 20240501 } }, '/deposits/asOf'],
      [{ asOf: { loans: '2024-05-01T10:00' }, loans: [] }, '/asOf/loans'],
      [{ asOf: { 'odd/section': '2024-02-30' } }, '/asOf/odd~1section'],
      [{ asOf: MAY_1, loans: [] }, '/asOf'],
      [{ asOf: null }, '/asOf'],
    ])('refuses the unparseable asOf in %j at %s', (body, pointer) => {
      for (const mode of ['replace', 'merge'] as const) {
        expect(capture({ stored: storedProfile(), mode, body: body as JsonObject })).toMatchObject({
          code: 'INVALID_AS_OF',
          pointer,
        });
      }
    });

    it('refuses forbidden keys with their pointer', () => {
      const body = JSON.parse('{"loans":[{"type":"car","__proto__":{"polluted":true}}]}');
      expect(capture({ stored: null, mode: 'replace', body })).toMatchObject({
        code: 'INVALID_DOCUMENT',
        pointer: '/loans/0/__proto__',
      });
    });

    it(`refuses bodies nested deeper than ${MAX_DOCUMENT_DEPTH} levels`, () => {
      const levels = 300_000;
      const body = JSON.parse(`{"deposits":${'['.repeat(levels)}${']'.repeat(levels)}}`);
      const error = capture({ stored: null, mode: 'merge', body });
      expect(error.code).toBe('INVALID_DOCUMENT');
      expect(error.pointer).toBe(`/deposits${'/0'.repeat(MAX_DOCUMENT_DEPTH - 1)}`);
    });

    it('refuses a body that is not an object', () => {
      expect(capture({ stored: null, mode: 'replace', body: [] as unknown as JsonObject })).toMatchObject({
        code: 'INVALID_DOCUMENT',
        pointer: '',
      });
    });

    it('treats a corrupt stored stamp as a server error, not a client one', () => {
      const stored = { ...storedProfile(), stamps: { deposits: 'garbage' } };
      const write = () => planProfileWrite({ stored, mode: 'merge', body: { deposits: { asOf: MAY_1 } } });
      expect(write).toThrow("stored asOf of section 'deposits' is not an ISO 8601 instant");
      expect(write).not.toThrow(ProfileWriteError);
    });
  });

  describe('stamps from the future', () => {
    const now = Date.parse('2026-05-03T12:00:00Z');
    const latestAsOf = now + 300_000;

    it('refuses an inline or mapped asOf later than the server clock plus the skew, naming it', () => {
      for (const body of [
        { deposits: { asOf: '2099-01-01T00:00:00Z', balance: 1 } },
        { asOf: { loans: '2026-05-03T12:05:01Z' }, loans: [] },
      ] as JsonObject[]) {
        expect(capture({ stored: storedProfile(), mode: 'merge', body, latestAsOf })).toMatchObject({
          code: 'INVALID_AS_OF',
          pointer: 'deposits' in body ? '/deposits/asOf' : '/asOf/loans',
          message: expect.stringMatching(/in the future/),
        });
      }
    });

    it('accepts a stamp within the skew', () => {
      const plan = planProfileWrite({
        stored: storedProfile(),
        mode: 'merge',
        body: { deposits: { asOf: '2026-05-03T12:04:59Z', balance: 1 } },
        latestAsOf,
      });
      expect(plan.appliedSections).toEqual(['deposits']);
    });
  });

  it('never mutates the stored profile or the body', () => {
    const stored = deepFreeze(storedProfile());
    const body = deepFreeze({ asOf: { loans: MAY_3 }, deposits: { asOf: MAY_3, balance: null }, loans: [] });
    for (const mode of ['replace', 'merge'] as const) {
      expect(() => planProfileWrite({ stored, mode, body })).not.toThrow();
    }
    expect(stored).toStrictEqual(storedProfile());
  });
});
