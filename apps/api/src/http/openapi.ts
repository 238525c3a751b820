import type { ApiResponseOptions } from '@nestjs/swagger';

const errorExample = (
  status: number,
  code: string,
  message: string,
  details?: unknown,
): ApiResponseOptions => ({
  status,
  description: message,
  schema: { example: { error: details === undefined ? { code, message } : { code, message, details } } },
});

export const ERROR_RESPONSES = {
  unauthenticated: errorExample(401, 'UNAUTHENTICATED', 'unknown, revoked or expired API key'),
  forbidden: errorExample(403, 'FORBIDDEN', 'this key lacks the "profiles:write" scope'),
  notFound: errorExample(404, 'NOT_FOUND', 'customer C0000042 has no profile'),
  invalidId: errorExample(
    400,
    'INVALID_ID',
    'customer id must be 1-64 characters of letters, digits and _ . : -',
  ),
  tooLarge: errorExample(413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than this route accepts'),
  invalidProfile: errorExample(
    422,
    'VALIDATION_FAILED',
    'the profile does not match the schema (1 problem)',
    [{ pointer: '/bureau/score', message: 'must be <= 850' }],
  ),
  invalidDefinition: errorExample(422, 'VALIDATION_FAILED', 'the definitions do not validate', [
    {
      file: 'low_risk.json',
      pointer: '/rule/and/0/>=/0/var',
      code: 'unknown_path',
      message: 'bureau.scroe is not in the profile schema',
    },
  ]),
  selfApproval: errorExample(
    403,
    'FORBIDDEN',
    'low_risk version 2 was created with this key; a different key must approve it (maker-checker)',
  ),
  unavailable: errorExample(503, 'SERVICE_UNAVAILABLE', 'the database is unavailable; retry shortly'),
};
