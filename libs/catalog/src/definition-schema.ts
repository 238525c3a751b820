// The file format of a definition. tag-definitions/definition.schema.json is the copy editors use
// (a spec keeps the two equal); the validator uses this one, so the API needs no file to validate.
export const DEFINITION_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://tagforge.dev/schemas/definition.schema.json',
  title: 'Tagforge tag or segment definition',
  description:
    'One file per definition: tag-definitions/tags/<id>.json or tag-definitions/segments/<id>.json. The rule is JSON Logic (json-logic-js 2.0.5 semantics) plus days_since / months_since / years_since; it reads the profile by path, other tags as {"var": "tags.<id>"}, and never the clock.',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'kind', 'purpose', 'category'],
  properties: {
    $schema: {
      description: 'Lets editors validate and autocomplete the file.',
      type: 'string',
    },
    id: {
      description:
        'Stable identifier, snake_case, equal to the file name without .json. Campaign tools and the API refer to it; never rename a live tag.',
      type: 'string',
      pattern: '^[a-z][a-z0-9]*(_[a-z0-9]+)*$',
      maxLength: 64,
    },
    name: {
      description: 'Short English label for people.',
      type: 'string',
      minLength: 1,
      maxLength: 80,
    },
    nameZh: {
      description: 'Chinese label for front-line staff.',
      type: 'string',
      minLength: 1,
      maxLength: 40,
    },
    kind: {
      description:
        'boolean: set or not; category: one string value or none; number: a finite number or none; segment: a boolean audience whose rule reads tags only.',
      type: 'string',
      enum: ['boolean', 'category', 'number', 'segment'],
    },
    purpose: {
      description:
        'What the tag may be used for. Bureau data (bureau.*) is for risk only: a marketing definition must not read it directly, though it may read risk tags.',
      type: 'string',
      enum: ['marketing', 'risk', 'service'],
    },
    category: {
      description: 'Catalog section the definition is listed under.',
      type: 'string',
      enum: [
        'demographics',
        'relationship',
        'value',
        'product_holding',
        'loan_intent',
        'loan_need',
        'credit_risk',
        'early_warning',
        'repayment',
        'marketing_channel',
        'eligibility',
        'segment',
      ],
    },
    description: {
      description: 'What the tag means and how it is decided, in the words of the team that owns it.',
      type: 'string',
      minLength: 1,
      maxLength: 1000,
    },
    owner: {
      description: 'Owning team or mailbox.',
      type: 'string',
      minLength: 1,
      maxLength: 120,
    },
    rule: {
      description:
        'JSON Logic rule. Guard optional fields before comparing them: a missing var is null and null < 580 is true. A definition has a rule or (a number tag) a scorecard.',
      not: {
        type: 'null',
      },
    },
    scorecard: {
      description:
        'Instead of a rule (number tags only): a scorecard — characteristics cut into bins with points, summed with baseScore. It compiles to a JSON Logic rule, so the engine evaluates, explains and sandboxes it like one. Range bins read from <= x < to (null: unbounded), sorted and contiguous; values bins list exact values; missing covers an absent or null value and one no bin holds.',
      type: 'object',
      additionalProperties: false,
      required: ['baseScore', 'characteristics'],
      properties: {
        baseScore: {
          description: "Points every customer starts from (the intercept's points).",
          type: 'number',
        },
        characteristics: {
          type: 'array',
          minItems: 1,
          maxItems: 50,
          items: {
            $ref: '#/$defs/characteristic',
          },
        },
        reasonCodes: {
          description:
            'Reason codes: the characteristics where the customer lost the most points against their best bin, with texts in English and Chinese.',
          type: 'object',
          additionalProperties: false,
          required: ['count', 'relativeTo'],
          properties: {
            count: {
              type: 'integer',
              minimum: 1,
              maximum: 10,
            },
            relativeTo: {
              const: 'max',
            },
            texts: {
              type: 'object',
              propertyNames: {
                $ref: '#/$defs/reasonCode',
              },
              additionalProperties: {
                type: 'object',
                additionalProperties: false,
                required: ['en', 'zh'],
                properties: {
                  en: {
                    type: 'string',
                    minLength: 1,
                    maxLength: 200,
                  },
                  zh: {
                    type: 'string',
                    minLength: 1,
                    maxLength: 100,
                  },
                },
              },
            },
          },
        },
      },
    },
    examples: {
      description:
        'Unit tests of the definition: each profile is evaluated with the definition and every tag it depends on (transitively) from the same catalog.',
      type: 'array',
      items: {
        $ref: '#/$defs/example',
      },
    },
    model: {
      description:
        'Written by tagctl train: training data fingerprint and date, options, the IV table, the fit, metrics on the training part and the holdout, the fair-lending check and the training distributions that stability (PSI) is measured against.',
      type: 'object',
    },
  },
  allOf: [
    {
      if: {
        properties: {
          kind: {
            enum: ['boolean', 'segment'],
          },
        },
        required: ['kind'],
      },
      then: {
        properties: {
          examples: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                expect: {
                  type: 'boolean',
                },
              },
            },
          },
        },
      },
    },
    {
      if: {
        properties: {
          kind: {
            const: 'category',
          },
        },
        required: ['kind'],
      },
      then: {
        properties: {
          examples: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                expect: {
                  type: ['string', 'null'],
                },
              },
            },
          },
        },
      },
    },
    {
      if: {
        properties: {
          kind: {
            const: 'number',
          },
        },
        required: ['kind'],
      },
      then: {
        properties: {
          examples: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                expect: {
                  type: ['number', 'null'],
                },
              },
            },
          },
        },
      },
    },
    {
      if: {
        properties: {
          kind: {
            const: 'segment',
          },
        },
        required: ['kind'],
      },
      then: {
        properties: {
          category: {
            type: 'string',
            const: 'segment',
          },
        },
      },
    },
    {
      if: {
        required: ['scorecard'],
      },
      then: {
        properties: {
          kind: {
            const: 'number',
          },
        },
      },
    },
  ],
  $defs: {
    example: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'profile', 'expect'],
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 200,
        },
        profile: {
          description: 'A profile document; it must validate against profile.schema.json.',
          type: 'object',
        },
        now: {
          description: 'Evaluation instant; defaults to 2026-01-01T00:00:00Z.',
          type: 'string',
          format: 'date-time',
        },
        tags: {
          description:
            'Fixed values for tags this definition depends on, used instead of computing them. Rarely needed: dependencies are computed from the profile.',
          type: 'object',
          propertyNames: {
            pattern: '^[a-z][a-z0-9]*(_[a-z0-9]+)*$',
          },
          additionalProperties: {
            type: ['boolean', 'string', 'number', 'null'],
          },
        },
        expect: {
          description:
            "The tag's value: true/false for boolean and segment tags (false = not set), a string or null for category tags, a number or null for number tags.",
          type: ['boolean', 'string', 'number', 'null'],
        },
      },
    },
    reasonCode: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]{1,32}$',
    },
    points: {
      type: 'number',
    },
    characteristic: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'var', 'bins', 'missing'],
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          maxLength: 80,
        },
        var: {
          description: 'A profile path or tags.<id>, as in {"var": ...}.',
          type: 'string',
          minLength: 1,
          maxLength: 200,
        },
        reasonCode: {
          $ref: '#/$defs/reasonCode',
        },
        bins: {
          type: 'array',
          minItems: 1,
          maxItems: 50,
          items: {
            $ref: '#/$defs/bin',
          },
        },
        missing: {
          type: 'object',
          additionalProperties: false,
          required: ['points'],
          properties: {
            points: {
              $ref: '#/$defs/points',
            },
            reasonCode: {
              $ref: '#/$defs/reasonCode',
            },
          },
        },
      },
    },
    bin: {
      type: 'object',
      additionalProperties: false,
      required: ['points'],
      properties: {
        range: {
          type: 'array',
          minItems: 2,
          maxItems: 2,
          items: {
            type: ['number', 'null'],
          },
        },
        values: {
          type: 'array',
          minItems: 1,
          maxItems: 200,
          items: {
            type: ['string', 'number', 'boolean'],
          },
        },
        points: {
          $ref: '#/$defs/points',
        },
        reasonCode: {
          $ref: '#/$defs/reasonCode',
        },
      },
    },
  },
};

// The one tag-id check of the service: the schema's pattern and length, for ids in paths, queries and
// bodies as for definition files.
export const TAG_ID_PATTERN = new RegExp(DEFINITION_SCHEMA.properties.id.pattern);
export const TAG_ID_MAX_LENGTH = DEFINITION_SCHEMA.properties.id.maxLength;

export function isTagId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= TAG_ID_MAX_LENGTH && TAG_ID_PATTERN.test(value);
}
