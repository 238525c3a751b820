import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { grants, type Principal } from '@tagforge/auth';
import { MAX_BATCH_LINES, ProfileIngestionService } from '@tagforge/ingestion';
import type { JsonObject } from '@tagforge/profile';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { JsonObjectBodyPipe, NdjsonBodyPipe } from '../http/body.pipe';
import { Refuses } from '../http/openapi';
import { CustomerIdPipe } from '../http/params';
import {
  BatchReportDto,
  ErasureDto,
  PROFILE_PATCH_REF,
  PROFILE_REF,
  ProfileViewDto,
  WriteOutcomeDto,
} from './profile.dto';

const PROFILE_EXAMPLE = {
  demographics: {
    asOf: '2026-11-01T00:00:00Z',
    birthDate: '1990-04-12',
    occupation: 'salaried',
    cityTier: 1,
  },
  deposits: { balance: 182000, avgBalance3m: 175000 },
  bureau: { score: 742, reportDate: '2026-10-15', inquiries3m: 1 },
  loans: [{ type: 'car', status: 'active', principal: 150000, outstanding: 90000, currentDpd: 0 }],
  asOf: { loans: '2026-11-01T00:00:00Z' },
};

const CUSTOMER_PARAM = ApiParam({ name: 'id', example: 'C0000042' });
const profileBody = () => new JsonObjectBodyPipe('the profile');

@ApiTags('profiles')
@Controller('v1')
export class ProfilesController {
  constructor(private readonly ingestion: ProfileIngestionService) {}

  @Put('customers/:id/profile')
  @RequireScope('profiles:write')
  @ApiOperation({
    summary: 'Replace a customer profile',
    description: 'Sections older (asOf) than the stored ones are kept and reported as stale.',
  })
  @CUSTOMER_PARAM
  @ApiBody({ schema: { $ref: PROFILE_REF }, examples: { profile: { value: PROFILE_EXAMPLE } } })
  @ApiOkResponse({ type: WriteOutcomeDto, description: 'Written' })
  @Refuses.badRequest('a malformed customer id, an empty body, a body that is not JSON')
  @Refuses.tooLarge()
  @Refuses.unsupportedMediaType()
  @Refuses.invalidProfile()
  replace(@Param('id', CustomerIdPipe) id: string, @Body(profileBody()) body: JsonObject) {
    return this.ingestion.write(id, 'replace', body);
  }

  @Patch('customers/:id/profile')
  @RequireScope('profiles:write')
  @ApiOperation({ summary: 'Merge-patch a customer profile (RFC 7396: null deletes)' })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @CUSTOMER_PARAM
  @ApiBody({
    schema: { $ref: PROFILE_PATCH_REF },
    examples: {
      patch: { value: { deposits: { asOf: '2026-11-02T00:00:00Z', balance: 120500 }, contact: null } },
    },
  })
  @ApiOkResponse({ type: WriteOutcomeDto, description: 'Written' })
  @Refuses.badRequest('a malformed customer id, an empty body, a body that is not JSON')
  @Refuses.tooLarge()
  @Refuses.unsupportedMediaType()
  @Refuses.invalidProfile()
  patch(@Param('id', CustomerIdPipe) id: string, @Body(profileBody()) body: JsonObject) {
    return this.ingestion.write(id, 'merge', body);
  }

  @Get('customers/:id/profile')
  @RequireScope('profiles:read')
  @ApiOperation({
    summary: 'Read a customer profile',
    description: 'The bureau section is hidden unless the key has bureau:read.',
  })
  @CUSTOMER_PARAM
  @ApiOkResponse({
    type: ProfileViewDto,
    description: 'The stored profile with its version and section asOf stamps',
  })
  @Refuses.badRequest('a malformed customer id')
  @Refuses.notFound('customer C0000042 has no profile')
  read(@Param('id', CustomerIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.ingestion.read(id, grants(principal.scopes, 'bureau:read') ? [] : ['bureau']);
  }

  @Delete('customers/:id')
  @RequireScope('profiles:write')
  @ApiOperation({ summary: 'Erase a customer: profile, current tags and history, in one transaction' })
  @CUSTOMER_PARAM
  @ApiOkResponse({ type: ErasureDto, description: 'What was removed' })
  @Refuses.badRequest('a malformed customer id')
  @Refuses.notFound('customer C0000042 has no profile')
  erase(@Param('id', CustomerIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.ingestion.erase(id, actorOf(principal));
  }

  @Post('profiles::batch')
  @HttpCode(200)
  @RequireScope('profiles:write')
  @ApiOperation({
    summary: 'Bulk load profiles as NDJSON',
    description: `One {"customerId", "profile"} (replace) or {"customerId", "patch"} (merge patch) per line, up to ${MAX_BATCH_LINES} lines. Each line is answered on its own: a bad line never blocks the good ones, a blank line is skipped. When no line could be written the batch is a 422 whose error.details is the per-line report.`,
  })
  @ApiConsumes('application/x-ndjson')
  @ApiBody({
    schema: {
      type: 'string',
      example:
        '{"customerId":"C1","profile":{"deposits":{"balance":1000}}}\n{"customerId":"C2","patch":{"marketing":{"optOut":true}}}\n',
    },
  })
  @ApiOkResponse({
    type: BatchReportDto,
    description: 'Per-line results',
    example: {
      lines: 2,
      ok: 1,
      failed: 1,
      skipped: 0,
      results: [
        { line: 1, status: 'ok', customerId: 'C1', version: 1, changed: true, staleSections: [] },
        {
          line: 2,
          status: 'error',
          customerId: 'C2',
          error: {
            code: 'VALIDATION_FAILED',
            message: 'the profile does not match the schema (1 problem)',
            details: [{ pointer: '/marketing/optOut', message: 'must be boolean' }],
          },
        },
      ],
    },
  })
  @Refuses.badRequest('a body without any line')
  @Refuses.tooLarge()
  @Refuses.unsupportedMediaType()
  @Refuses.unprocessable('every line of the batch failed (1 of 1); nothing was written', [
    { line: 1, status: 'error', error: { code: 'BAD_REQUEST', message: 'line 1 has no customerId' } },
  ])
  batch(@Body(NdjsonBodyPipe) body: string) {
    return this.ingestion.writeBatch(body);
  }
}
