import fc from 'fast-check';
import { TAG_ID_MAX_LENGTH, TAG_ID_PATTERN } from '@tagforge/catalog';
import { AUDITED_ENTITIES } from '@tagforge/persistence';

// What the API documents as valid, used only to make sure a generated value is really invalid.
const CUSTOMER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
// The service's one tag-id check (the definition schema's pattern and length).
const TAG_ID = { test: (value: string) => value.length <= TAG_ID_MAX_LENGTH && TAG_ID_PATTERN.test(value) };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOT_SEGMENT = /^\.{1,2}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

// Percent-encodes every byte that is not unreserved, so any string (lone surrogates included, which
// become U+FFFD) travels as the exact UTF-8 bytes.
export function encodeSegment(value: string | Uint8Array): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// What Express hands the controller for a path segment (null: it cannot decode it and answers 400).
function decodedSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export type ParamKind = 'customer' | 'tag' | 'run' | 'version' | 'other';

export function paramKind(template: string, name: string): ParamKind {
  if (name === 'version') return 'version';
  if (name === 'tagId') return 'tag';
  if (template.startsWith('/v1/customers/')) return 'customer';
  if (template.includes('/runs/')) return 'run';
  if (
    template.startsWith('/v1/tags/') ||
    template.startsWith('/v1/segments/') ||
    template.startsWith('/v1/audiences/')
  )
    return 'tag';
  return 'other';
}

// True when no route could take the decoded segment as a real, existing id of that kind.
export function isMalformedId(kind: ParamKind, segment: string): boolean {
  const value = decodedSegment(segment);
  if (value === null) return true;
  switch (kind) {
    case 'customer':
      return !CUSTOMER_ID.test(value);
    case 'tag':
      return !TAG_ID.test(value);
    case 'run':
      return !UUID.test(value);
    case 'version':
      return !/^[1-9][0-9]{0,8}$/.test(value);
    case 'other':
      return !CUSTOMER_ID.test(value) && !TAG_ID.test(value);
  }
}

const SPECIAL_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '...',
  '%2F',
  'a%2Fb',
  '%5C',
  '..%2F..%2Fetc%2Fpasswd',
  '%20',
  'a%20b',
  '%C0%AF',
  '%FF',
  '%FE%FF',
  '%',
  '%zz',
  'a%',
  '%E0%A4%A',
  '%ED%A0%80',
  encodeSegment('é'),
  encodeSegment('客户'),
  encodeSegment('😀'),
  encodeSegment('\u200b'),
  encodeSegment('\u202e'),
  encodeSegment('Ａ'),
  encodeSegment('а'),
  encodeSegment('\ufeff'),
  '%27',
  '%22',
  '%3C%2Fscript%3E',
  '%3B',
  '%24%7B7*7%7D',
  '%7B%7B7*7%7D%7D',
  '*',
  '%3F',
  '%23',
  '%27%20OR%201%3D1--',
  'a'.repeat(65),
  'A'.repeat(65),
  'x'.repeat(300),
  '9'.repeat(400),
  '-'.repeat(65),
  'null',
  'NaN',
  '-1',
  '0',
  '1.5',
  '1e3',
  '0x10',
  '__proto__',
  'constructor',
  'prototype',
  'Low_Risk',
  '_tag',
  '1tag',
];

// Path segments (already URL-encoded) of the wrong shape: unicode, separators, bad escapes, invalid
// UTF-8, too long. Control characters and dot segments have their own properties.
export const malformedSegment = (kind: ParamKind): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_SEGMENTS) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).map(encodeSegment) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map(encodeSegment) },
      {
        weight: 1,
        arbitrary: fc
          .string({ unit: fc.constantFrom('a', 'Z', '0', '_', '-', ':'), minLength: 65, maxLength: 2000 })
          .map(encodeSegment),
      },
    )
    .filter((segment) => {
      const value = decodedSegment(segment);
      return (
        isMalformedId(kind, segment) &&
        // A dot segment is a well-formed customer id, so it has a property of its own there.
        (value === null || (!CONTROL.test(value) && !(kind === 'customer' && DOT_SEGMENT.test(value))))
      );
    });

// Segments carrying control characters (NUL, newline, escape...), which Postgres text cannot hold.
export const controlCharacterSegment: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: fc.constantFrom('a', 'b', '_', '1'), maxLength: 8 }),
    fc.constantFrom('\u0000', '\u0001', '\n', '\r\n', '\t', '\u001b', '\u007f'),
    fc.string({ unit: fc.constantFrom('a', 'b', '_', '1'), maxLength: 8 }),
  )
  .map(([before, control, after]) => encodeSegment(before + control + after));

export const dotSegment: fc.Arbitrary<string> = fc.constantFrom('.', '..', '%2E', '%2E%2E', '%2e%2e', '.%2E');

// Values of `limit` that no route accepts (every route takes a whole number within 1..10,000 at most).
export const badLimit: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom('-1', '0', '-0', '1000000000', 'abc', '', '1.5', 'NaN', 'Infinity', '1e309', ' ', 'null'),
    fc.constantFrom('9'.repeat(400), '%00', '1%00', '[]', '{}', 'true', '10001', '1,2'),
    fc.integer({ min: -1_000_000_000_000, max: 0 }).map(String),
    fc.integer({ min: 10_001, max: Number.MAX_SAFE_INTEGER }).map(String),
    fc.double({ noInteger: true, noDefaultInfinity: false }).map(String),
    fc.string({ maxLength: 20 }),
  )
  .filter((value) => {
    const number = Number(value);
    return !(Number.isInteger(number) && number >= 1 && number <= 10_000);
  });

const INVALID_INSTANTS = [
  '2026-13-01',
  '2026-00-10',
  '2026-02-30',
  '2026-02-29',
  '2026-1-1',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:60Z',
  '2026-01-01T00:00:60Z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00+0100',
  '2026-01-01 00:00:00Z',
  '2026-01-01T00:00:00.1234567890Z',
  '2026-01-01T00:00:00ZZ',
  '2026-W01',
  '2026-001',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01',
  '99999-01-01',
  '1700000000000',
  'now',
  'today',
  'Invalid Date',
  'NaN',
  '0',
  '-1',
  '',
  '%00',
  '2026-01-01%00',
  'Tue, 01 Jan 2026 00:00:00 GMT',
];

// Anything that is not a strict ISO 8601 date or date-time.
export const badInstant: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...INVALID_INSTANTS),
  fc.string({ maxLength: 40 }).filter((value) => !/^\d{4}-\d{2}-\d{2}/.test(value)),
);

export const badTagIdQuery: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom('Low_Risk', '_x', '1x', '', 'x'.repeat(65), '%00', 'a%00', 'a-b', 'a.b', '__PROTO__'),
    fc.string({ maxLength: 70 }),
  )
  .filter((value) => !TAG_ID.test(value));

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'undefined').toString('base64url');

// Cursors no API answer ever held, and that do not even decode to an array of strings.
export const garbageCursor: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'x', '%00', 'null', '[]', '["a"]', 'W10', '====', 'eyJ', 'e30', '%FF%FE', '\u00e9'),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
  fc
    .oneof(
      // A JSON string would destructure into characters: the runs route's forged-cursor case.
      fc.jsonValue({ maxDepth: 3 }).filter((value) => !Array.isArray(value) && typeof value !== 'string'),
      fc.array(fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 })), {
        maxLength: 4,
      }),
      fc.constant([]),
    )
    .map(base64url),
  fc
    .array(fc.string({ maxLength: 5 }), { minLength: 2, maxLength: 4 })
    .map((parts) => base64url(['', ...parts])),
);

// The query parameters each route documents, with bad values for each.
export function badQueryValue(name: string): fc.Arbitrary<string> {
  switch (name) {
    case 'limit':
      return badLimit;
    case 'asOf':
    case 'from':
    case 'to':
    case 'compare':
      return badInstant;
    case 'interval':
      return fc.string({ maxLength: 30 }).filter((value) => !['day', 'week', 'month'].includes(value));
    case 'bins':
      return fc.oneof(
        fc.constantFrom(
          '',
          ',',
          '1,,2',
          '2,1',
          '1,1',
          'a',
          '1e3',
          'NaN',
          Array.from({ length: 51 }, (_, i) => i).join(','),
        ),
        fc
          .string({ maxLength: 30 })
          .filter((value) => !/^-?\d{1,15}(\.\d{1,15})?(,-?\d{1,15}(\.\d{1,15})?)*$/.test(value)),
      );
    case 'quantiles':
      return fc.oneof(
        fc.constantFrom('', '0', '1', '51', '-3', '2.5', 'ten', '9'.repeat(20)),
        fc.string({ maxLength: 10 }).filter((value) => !/^([2-9]|[1-4][0-9]|50)$/.test(value)),
      );
    case 'audience':
      return fc.oneof(
        fc.constantFrom(
          '',
          'Bad Id',
          'x'.repeat(301),
          'risk_score=..',
          'age_band=',
          'a\u0000b',
          'no_such_tag_bad_input',
        ),
        fc.string({ maxLength: 30 }),
      );
    case 'ids':
      return fc.oneof(
        fc.constantFrom(
          '',
          ',',
          'Bad Id',
          'a,,b',
          'x'.repeat(65),
          'no_such_tag_bad_input',
          'no_such_tag_bad_input,no_such_tag_bad_input',
          Array.from({ length: 21 }, (_, i) => `bad_input_${i}`).join(','),
        ),
        fc.string({ maxLength: 30 }),
      );
    case 'by':
      return badTagIdQuery;
    case 'tagId':
      return badTagIdQuery;
    case 'cursor':
    case 'since':
      return garbageCursor;
    case 'entity':
      return fc
        .string({ maxLength: 30 })
        .filter((value) => !(AUDITED_ENTITIES as readonly string[]).includes(value));
    case 'change':
      return fc.string({ maxLength: 30 }).filter((value) => !['entered', 'left', 'changed'].includes(value));
    case 'format':
      return fc.string({ maxLength: 30 }).filter((value) => !['json', 'text'].includes(value));
    case 'lang':
      return fc.string({ maxLength: 30 }).filter((value) => !['en', 'zh'].includes(value));
    case 'min':
    case 'max':
      return fc.oneof(
        fc.constantFrom('', 'abc', '1e3', 'NaN', 'Infinity', '1,5', ' 1', '0x10', '9'.repeat(40)),
        fc.string({ maxLength: 20 }).filter((value) => !/^-?\d{1,15}(\.\d{1,15})?$/.test(value)),
      );
    case 'columns':
      return fc.oneof(
        fc.constantFrom(
          '',
          ',',
          'risk_grade',
          'tag:',
          'tag:Risk',
          'profile:',
          'profile:a..b',
          'profile:__proto__.x',
        ),
        fc.constantFrom('tag:no_such_tag_bad_input', 'profile:bureau.nope', 'profile:nope.field'),
        fc.string({ maxLength: 30 }),
      );
    default:
      return fc.string({ maxLength: 30 });
  }
}

export const encodeQuery = (value: string) => encodeSegment(value);

// Cursors with the right envelope but contents no answer ever held and the store cannot take:
// a timestamp that is not one, a sequence that is not a number, a run id that is not a uuid, NUL.
export function forgedCursor(name: 'cursor' | 'since', template: string): fc.Arbitrary<string> {
  const nonDate = fc.constantFrom('x', 'not-a-date', '', '2026-13-45', '-271821-04-20T00:00:00Z');
  const nonInteger = fc.constantFrom('x', '', '1.5', '99999999999999999999', '-', '1e3');
  if (template.includes('/members')) return fc.constantFrom(base64url(['\u0000']), base64url(['a\u0000b']));
  if (template.startsWith('/v1/runs')) {
    return fc.oneof(
      fc.tuple(fc.constant('2026-01-01T00:00:00.000Z'), fc.string({ maxLength: 10 })).map(base64url),
      fc.constant(base64url(['-271821-04-20T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])),
      fc.constantFrom(base64url('12'), base64url([1, 'x'])),
    );
  }
  if (template.includes('/changes') && name === 'since') {
    return fc.oneof(
      fc.tuple(nonInteger, fc.constantFrom('1', '0')).map(base64url),
      fc.tuple(fc.constantFrom('1', '0'), nonInteger).map(base64url),
    );
  }
  return fc.oneof(
    fc.tuple(nonDate, fc.constantFrom('1', '0')).map(base64url),
    fc.tuple(fc.constant('2026-01-01T00:00:00.000Z'), nonInteger).map(base64url),
  );
}

// Raw JSON text: a generated value, possibly with keys JSON.stringify would never write.
const jsonText = (value: unknown) => JSON.stringify(value);

// Nested `depth` levels deep, built as text so the parser, not the generator, does the work.
export function nested(depth: number, style: 'array' | 'object' | 'mixed', leaf = '1'): string {
  if (style === 'array') return '['.repeat(depth) + leaf + ']'.repeat(depth);
  if (style === 'object') return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
  return '[{"a":'.repeat(Math.ceil(depth / 2)) + leaf + '}]'.repeat(Math.ceil(depth / 2));
}

// Mostly just past the 64 levels a profile or rule may have, sometimes as deep as 1 MB allows.
const depth = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 65, max: 2_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 150_000 }) },
);

export const deepJson: fc.Arbitrary<string> = fc
  .tuple(depth, fc.constantFrom('array', 'object', 'mixed') as fc.Arbitrary<'array' | 'object' | 'mixed'>)
  .map(([levels, style]) => nested(levels, style));

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

// Text that is not JSON, or JSON no route takes at the top level.
export const malformedJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '{"a":1',
    '{"a":1,}',
    "{'a':1}",
    '{a:1}',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":-Infinity}',
    '{"a":undefined}',
    '{"a":0x10}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":+1}',
    '{"a":"\u0001"}',
    '{"a":"\\x41"}',
    '{"a":"\\u12"}',
    '{"a":"\\"}',
    '{"a":1}{"b":2}',
    '{"a":1} x',
    '{"a":1}\u0000',
    '/* comment */ {}',
    '{} // comment',
    '   ',
    '\n',
    '1',
    '-0',
    '1e400',
    '"string"',
    'true',
    'false',
    'null',
    '[',
    ']',
    '[1,]',
    '[,1]',
    '{"a" 1}',
    '{"a":1 "b":2}',
    '{"a":tru}',
    '{"a":nul}',
    '<xml/>',
    'a=1&b=2',
  ),
  // Empty bodies have a property of their own.
  fc.string({ minLength: 1, maxLength: 200 }).filter((text) => !isJson(text) || !/^\s*[[{]/.test(text)),
  fc
    .jsonValue({ maxDepth: 2 })
    .map(jsonText)
    .map((text) => text.slice(0, Math.max(1, text.length - 1)))
    .filter((text) => !isJson(text)),
  fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null)).map(jsonText),
);

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export const WRONG_JSON_CONTENT_TYPES = [
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/x-ndjson',
  'application/jsonp',
  'application/json-patch+json',
  'application/javascript',
  'text/json',
  'json',
  'application/json; charset=latin1',
  'application/json; charset=iso-8859-1',
  'application/json; charset=ascii',
  'application/json; charset=koi8-r',
  'image/png',
  '*/*',
  'application/*',
];

export const WRONG_BATCH_CONTENT_TYPES = [
  'application/json',
  'application/merge-patch+json',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'text/html',
  'text/csv',
  'image/png',
  'application/ndjson',
  'text/x-ndjson',
];

const amount = fc.integer({ min: 0, max: 10_000_000 });
const date = fc.constantFrom('1990-04-12', '1975-12-31', '2001-02-28');
const instant = fc.constantFrom('2026-11-01T00:00:00Z', '2026-10-15T08:30:00+08:00');

// Profiles the schema accepts; each hostile profile is one of these with one fatal mutation.
export const validProfile: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    demographics: fc.record(
      {
        birthDate: date,
        occupation: fc.constantFrom('salaried', 'student', 'retired'),
        cityTier: fc.integer({ min: 1, max: 4 }),
        province: fc.constantFrom('Zhejiang', 'Sichuan', '广东'),
      },
      { requiredKeys: [] },
    ),
    deposits: fc.record({ balance: amount, avgBalance3m: amount, asOf: instant }, { requiredKeys: [] }),
    bureau: fc.record(
      { score: fc.integer({ min: 300, max: 850 }), inquiries3m: fc.integer({ min: 0, max: 9 }) },
      { requiredKeys: [] },
    ),
    loans: fc.array(
      fc.record({
        type: fc.constantFrom('car', 'mortgage', 'consumer'),
        status: fc.constantFrom('active', 'closed'),
        principal: amount,
      }),
      { maxLength: 2 },
    ),
    marketing: fc.record({ optOut: fc.boolean() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

type Mutation = (profile: Record<string, unknown>) => fc.Arbitrary<string>;

const withSection = (profile: Record<string, unknown>, section: string, text: string) => {
  const rest = Object.entries(profile).filter(([key]) => key !== section);
  const members = [
    ...rest.map(([key, value]) => `${jsonText(key)}:${jsonText(value)}`),
    `"${section}":${text}`,
  ];
  return `{${members.join(',')}}`;
};

const NAN_LIKE = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '0x10',
  '1_000',
  ' 1',
  '',
  '١٢٣',
  '1,000',
  '∞',
  'null',
];
// Amounts and counts have no upper bound, so only a negative or non-finite number is out of range.
const UNBOUNDED_FIELDS = new Set(['deposits.balance', 'deposits.avgBalance3m', 'bureau.inquiries3m']);
const NUMERIC_FIELDS: [string, string][] = [
  ['deposits', 'balance'],
  ['deposits', 'avgBalance3m'],
  ['bureau', 'score'],
  ['bureau', 'inquiries3m'],
  ['demographics', 'cityTier'],
  ['demographics', 'children'],
];

const mutations: Mutation[] = [
  // A prototype key, as raw text so the parsed object really has it, at the top, in a section or
  // in an array item.
  (profile) =>
    fc
      .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(0, 1, 2, 3))
      .map(([key, value, where]) => {
        const member = `${jsonText(key)}:${jsonText(value)}`;
        if (where === 0) return withSection(profile, key, jsonText(value));
        if (where === 1) return withSection(profile, 'deposits', `{"balance":1,${member}}`);
        if (where === 2) return withSection(profile, 'loans', `[{"type":"car","status":"active",${member}}]`);
        return withSection(profile, 'demographics', `{${member},"cityTier":1}`);
      }),
  // Nested far past the 64 levels any profile needs.
  (profile) =>
    fc
      .tuple(fc.constantFrom('deposits', 'loans', 'contact', 'asOf'), deepJson)
      .map(([section, text]) => withSection(profile, section, text)),
  // NaN-like strings where a number belongs.
  (profile) =>
    fc
      .tuple(fc.constantFrom(...NUMERIC_FIELDS), fc.constantFrom(...NAN_LIKE))
      .map(([[section, field], text]) =>
        withSection(profile, section, `{${jsonText(field)}:${jsonText(text)}}`),
      ),
  // Numbers beyond every bound: Infinity once parsed, or past a field's maximum.
  (profile) =>
    fc
      .tuple(
        fc.constantFrom(...NUMERIC_FIELDS),
        fc.constantFrom('1e400', '-1e400', '1e308', '-1e308', '9'.repeat(400), '-' + '9'.repeat(400)),
      )
      .map(([[section, field], number]) =>
        UNBOUNDED_FIELDS.has(`${section}.${field}`) && number === '1e308'
          ? withSection(profile, section, `{${jsonText(field)}:-${number}}`)
          : withSection(profile, section, `{${jsonText(field)}:${number}}`),
      ),
  // Deeply nested arrays where a list of loans belongs.
  (profile) =>
    fc
      .oneof(fc.integer({ min: 2, max: 100 }), depth)
      .map((depth) =>
        withSection(profile, 'loans', nested(depth, 'array', '{"type":"car","status":"active"}')),
      ),
  // The wrong type for a whole section.
  (profile) =>
    fc
      .tuple(
        fc.constantFrom('demographics', 'deposits', 'bureau', 'marketing', 'loans'),
        fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.integer(), { minLength: 1 })),
      )
      .filter(([section, value]) => !(section === 'loans' && Array.isArray(value)))
      .map(([section, value]) => withSection(profile, section, jsonText(value))),
  // Unknown sections and fields.
  (profile) =>
    fc
      .tuple(
        fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !VALID_SECTIONS.has(key)),
        // A merge patch setting an unknown section to null deletes nothing and is valid.
        fc.jsonValue({ maxDepth: 2 }).filter((value) => value !== null),
      )
      .map(([key, value]) => withSection(profile, key, jsonText(value))),
  // asOf stamps that are not instants.
  (profile) =>
    fc
      // Profile stamps take any number of fraction digits (RFC 3339); the query parser stops at nine.
      .tuple(
        badInstant.filter((stamp) => !/\.\d{10,}/.test(stamp)),
        fc.boolean(),
      )
      .map(([stamp, inline]) =>
        inline
          ? withSection(profile, 'deposits', `{"asOf":${jsonText(stamp)},"balance":1}`)
          : withSection(profile, 'asOf', `{"deposits":${jsonText(stamp)}}`),
      ),
  // Values outside an enum.
  (profile) =>
    fc
      .string({ maxLength: 20 })
      .filter((value) => !['salaried', 'student', 'retired', 'civil_servant'].includes(value))
      .filter((value) => !OCCUPATIONS.has(value))
      .map((value) => withSection(profile, 'demographics', `{"occupation":${jsonText(value)}}`)),
  // Arrays, strings and numbers where the profile object belongs.
  () =>
    fc.oneof(
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }).map(jsonText),
      fc.constantFrom('[]', '[{}]', '[null]', '[[]]'),
    ),
  // A duplicate key whose last (winning) value is invalid.
  (profile) =>
    fc.constant(`{"deposits":{"balance":1},${withSection(profile, 'deposits', '"lots"').slice(1)}`),
];

const VALID_SECTIONS = new Set([
  'asOf',
  'demographics',
  'relationship',
  'deposits',
  'income',
  'loans',
  'cards',
  'transactions',
  'bureau',
  'digital',
  'contact',
  'marketing',
]);
const OCCUPATIONS = new Set([
  'civil_servant',
  'salaried',
  'self_employed',
  'business_owner',
  'freelancer',
  'student',
  'retired',
  'unemployed',
]);

// Raw JSON text of a profile document the schema must refuse (for PUT and PATCH alike).
export const hostileProfileText: fc.Arbitrary<string> = validProfile.chain((profile) =>
  fc.oneof(...mutations.map((mutation) => mutation(profile))),
);

const OPERATOR_NAMES = [
  'Math.abs',
  'Math.max',
  'log',
  'method',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'Object.assign',
  'process.exit',
  'require',
  'eval',
  'Function',
  'this',
  '',
  ' ',
  'VAR',
  'var ',
  'a.b',
  '../x',
];

const PROTOTYPE_PATHS = [
  '__proto__.x',
  '__proto__',
  'constructor',
  'constructor.prototype',
  'constructor.name',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'tags.__proto__',
  'tags.constructor',
  'bureau.__proto__.score',
  'deposits.constructor',
  'loans.0.__proto__',
  '__defineGetter__',
];

export const RULE_LIMITS_FOR_TESTS = { depth: 64, nodes: 5000, arrayItems: 10_000, stringLength: 10_000 };

// Raw JSON text of rules the dialect must refuse.
export const hostileRuleText: fc.Arbitrary<string> = fc.oneof(
  // 65 to 20,000 levels of nesting.
  fc
    .tuple(
      fc.integer({ min: 65, max: 20_000 }),
      fc.constantFrom('and', 'or', '!', '!!', 'if', 'array', 'var'),
    )
    .map(([depth, operator]) => {
      if (operator === 'array') return nested(depth, 'array', 'true');
      if (operator === 'var') return '{"var":'.repeat(depth) + '"bureau.score"' + '}'.repeat(depth);
      const open = operator === '!' || operator === '!!' ? `{"${operator}":` : `{"${operator}":[`;
      const close = operator === '!' || operator === '!!' ? '}' : ']}';
      return open.repeat(depth) + 'true' + close.repeat(depth);
    }),
  // Paths into the prototype.
  fc
    .tuple(fc.constantFrom(...PROTOTYPE_PATHS), fc.boolean())
    .map(([path, asList]) => (asList ? `{"var":[${jsonText(path)},1]}` : `{"var":${jsonText(path)}}`)),
  // Operators that are not the dialect's, dotted ones included.
  fc
    .tuple(fc.constantFrom(...OPERATOR_NAMES), fc.jsonValue({ maxDepth: 1 }))
    .map(([operator, argument]) => `{${jsonText(operator)}:${jsonText([argument])}}`),
  fc.constantFrom(
    '{"method":[{"var":"demographics.province"},"constructor"]}',
    '{"method":["x","toUpperCase"]}',
    '{"log":[{"var":"bureau.score"}]}',
    '{"Math.abs":[{"var":"bureau.score"}]}',
    '{"and":[],"or":[]}',
    '{}',
    '{"var":5.5}',
    '{"var":{"var":"bureau.score"}}',
    '{"==":[{"var":"bureau.score"},1e400]}',
    '{">":[{"var":"bureau.score"},-1e400]}',
    '{"in":[{"var":"bureau.score"},{"__proto__":1}]}',
    '{"var":"bureau.scroe"}',
  ),
  // Literals past the limits: a string of up to ~1 MB (over 1 MB the body itself is refused),
  // arrays and node counts past theirs.
  fc
    .integer({ min: RULE_LIMITS_FOR_TESTS.stringLength + 1, max: 1_040_000 })
    .map((length) => `{"==":[{"var":"demographics.province"},"${'x'.repeat(length)}"]}`),
  fc
    .integer({ min: RULE_LIMITS_FOR_TESTS.arrayItems + 1, max: 60_000 })
    .map((length) => `{"in":[{"var":"bureau.score"},[${new Array<string>(length).fill('1').join(',')}]]}`),
  fc
    .integer({ min: RULE_LIMITS_FOR_TESTS.nodes + 1, max: 40_000 })
    .map((count) => `{"and":[${new Array<string>(count).fill('true').join(',')}]}`),
);

let definitionCounter = 0;

export function definitionText(rule: string, extra = ''): string {
  definitionCounter += 1;
  return (
    `{"id":"bad_input_${definitionCounter}","name":"Bad input","kind":"boolean","purpose":"risk",` +
    `"category":"early_warning","description":"hostile","rule":${rule}${extra}}`
  );
}

// Definitions whose rule is fine but whose other fields are hostile.
export const hostileDefinitionText: fc.Arbitrary<string> = fc.oneof(
  hostileRuleText.map((rule) => definitionText(rule)),
  fc
    .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 2 }))
    .map(([key, value]) => definitionText('true', `,${jsonText(key)}:${jsonText(value)}`)),
  fc
    .tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 1 }))
    .map(([key, value]) =>
      definitionText(
        'true',
        `,"examples":[{"name":"e","expect":true,"profile":{"deposits":{${jsonText(key)}:${jsonText(value)}}}}]`,
      ),
    ),
  deepJson.map((text) =>
    definitionText('true', `,"examples":[{"name":"e","expect":true,"profile":${text}}]`),
  ),
  fc
    .string({ maxLength: 80 })
    .filter((id) => !TAG_ID.test(id))
    .map((id) => definitionText('true').replace(/"id":"bad_input_\d+"/, `"id":${jsonText(id)}`)),
  fc.constantFrom(
    definitionText('true').replace('"kind":"boolean"', '"kind":"Boolean"'),
    definitionText('true').replace('"purpose":"risk"', '"purpose":"__proto__"'),
    definitionText('true').replace('"name":"Bad input"', '"name":""'),
    definitionText('true').replace('"name":"Bad input"', `"name":"${'n'.repeat(81)}"`),
    definitionText('true').replace('"description":"hostile"', `"description":"${'d'.repeat(1001)}"`),
    definitionText('true', ',"unknownField":1'),
    definitionText('{"var":"bureau.score"}').replace('"purpose":"risk"', '"purpose":"marketing"'),
    definitionText('{"var":"tags.bad_input_self_cycle"}').replace(/bad_input_\d+/, 'bad_input_self_cycle'),
    '{}',
    '{"definitions":[]}',
    `{"definitions":[${new Array<string>(501).fill('{}').join(',')}]}`,
    '{"definitions":{}}',
    '{"definitions":"x"}',
    '{"definitions":[null]}',
    '{"definitions":[[]]}',
  ),
);

// Authorization values that must all be refused with 401. `validKey` is a working admin key.
export function badAuthorization(validKey: string, revokedKey: string, expiredKey: string) {
  const flipped = validKey.slice(0, -1) + (validKey.endsWith('A') ? 'B' : 'A');
  return fc.oneof(
    fc.constantFrom<string | null>(
      null,
      '',
      'Bearer',
      'Bearer ',
      `Bearer  ${validKey}`,
      `Bearer\t${validKey}`,
      `${validKey}`,
      `Token ${validKey}`,
      `Basic ${Buffer.from(`admin:${validKey}`).toString('base64')}`,
      `Bearer ${flipped}`,
      `Bearer ${validKey.slice(0, -1)}`,
      `Bearer ${validKey}x`,
      `Bearer ${revokedKey}`,
      `Bearer ${expiredKey}`,
      `Bearer ${'x'.repeat(257)}`,
      `Bearer ${'tfk_' + '0'.repeat(32) + '_' + 'x'.repeat(43)}`,
      "Bearer tfk_' OR '1'='1_x",
      'Bearer tfk__',
      'Bearer tfk_%00_x',
      'Bearer null',
      'Bearer undefined',
      'Bearer é',
    ),
    fc
      .string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)) })
      .map((secret) => `Bearer ${secret}`)
      .filter((value) => value !== `Bearer ${validKey}`),
  );
}
