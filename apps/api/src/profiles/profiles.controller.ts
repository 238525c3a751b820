import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { grants, type Principal } from '@tagforge/auth';
import { MAX_BATCH_LINES, ProfileIngestionService } from '@tagforge/ingestion';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ERROR_RESPONSES } from '../http/openapi';

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

@ApiTags('profiles')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1')
export class ProfilesController {
  constructor(private readonly ingestion: ProfileIngestionService) {}

  @Put('customers/:id/profile')
  @RequireScope('profiles:write')
  @ApiOperation({
    summary: 'Replace a customer profile',
    description: 'Sections older (asOf) than the stored ones are kept and reported as stale.',
  })
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiBody({ schema: { type: 'object', example: PROFILE_EXAMPLE } })
  @ApiResponse({
    status: 200,
    description: 'Written',
    schema: { example: { customerId: 'C0000042', version: 3, changed: true, staleSections: [] } },
  })
  @ApiResponse(ERROR_RESPONSES.invalidProfile)
  @ApiResponse(ERROR_RESPONSES.invalidId)
  @ApiResponse(ERROR_RESPONSES.tooLarge)
  replace(@Param('id') id: string, @Body() body: unknown) {
    return this.ingestion.write(id, 'replace', body);
  }

  @Patch('customers/:id/profile')
  @RequireScope('profiles:write')
  @ApiOperation({ summary: 'Merge-patch a customer profile (RFC 7396: null deletes)' })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiBody({
    schema: {
      type: 'object',
      example: { deposits: { asOf: '2026-11-02T00:00:00Z', balance: 120500 }, contact: null },
    },
  })
  @ApiResponse({
    status: 200,
    description: 'Written',
    schema: { example: { customerId: 'C0000042', version: 4, changed: true, staleSections: [] } },
  })
  @ApiResponse(ERROR_RESPONSES.invalidProfile)
  @ApiResponse(ERROR_RESPONSES.invalidId)
  patch(@Param('id') id: string, @Body() body: unknown) {
    return this.ingestion.write(id, 'merge', body);
  }

  @Get('customers/:id/profile')
  @RequireScope('profiles:read')
  @ApiOperation({
    summary: 'Read a customer profile',
    description: 'The bureau section is hidden unless the key has bureau:read.',
  })
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiResponse({ status: 200, description: 'The stored profile with its version and section asOf stamps' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  read(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.ingestion.read(id, grants(principal.scopes, 'bureau:read') ? [] : ['bureau']);
  }

  @Delete('customers/:id')
  @RequireScope('profiles:write')
  @ApiOperation({ summary: 'Erase a customer: profile, current tags and history, in one transaction' })
  @ApiParam({ name: 'id', example: 'C0000042' })
  @ApiResponse({
    status: 200,
    description: 'What was removed',
    schema: { example: { customerId: 'C0000042', removed: { profiles: 1, tags: 7, events: 19 } } },
  })
  @ApiResponse(ERROR_RESPONSES.notFound)
  erase(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.ingestion.erase(id, actorOf(principal));
  }

  @Post('profiles::batch')
  @HttpCode(200)
  @RequireScope('profiles:write')
  @ApiOperation({
    summary: 'Bulk load profiles as NDJSON',
    description: `One {"customerId", "profile"} (replace) or {"customerId", "patch"} (merge patch) per line, up to ${MAX_BATCH_LINES} lines. Each line is answered on its own; a bad line never blocks the good ones.`,
  })
  @ApiConsumes('application/x-ndjson')
  @ApiBody({
    schema: {
      type: 'string',
      example:
        '{"customerId":"C1","profile":{"deposits":{"balance":1000}}}\n{"customerId":"C2","patch":{"marketing":{"optOut":true}}}\n',
    },
  })
  @ApiResponse({
    status: 200,
    description: 'Per-line results',
    schema: {
      example: {
        lines: 2,
        ok: 1,
        failed: 1,
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
    },
  })
  @ApiResponse(ERROR_RESPONSES.tooLarge)
  batch(@Body() body: unknown) {
    return this.ingestion.writeBatch(typeof body === 'string' ? body : '');
  }
}
