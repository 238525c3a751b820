import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@tagforge/auth';
import { ERROR_RESPONSES } from '../http/openapi';
import { CurrentPrincipal } from './principal.decorator';
import { RequireAnyKey } from './require-scope.decorator';

// The key's own identity and scopes, so a client (the console) shows only what the key may do.
@ApiTags('auth')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@Controller('v1/auth')
export class WhoamiController {
  @Get('whoami')
  @RequireAnyKey()
  @ApiOperation({ summary: 'The calling key: id, name and scopes (any valid key)' })
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      required: ['keyId', 'name', 'scopes'],
      properties: {
        keyId: { type: 'string', format: 'uuid' },
        name: { type: 'string' },
        scopes: { type: 'array', items: { type: 'string' } },
      },
      example: { keyId: '6f1c0e2a-...', name: 'risk-lead', scopes: ['tags:read', 'definitions:write'] },
    },
  })
  whoami(@CurrentPrincipal() principal: Principal) {
    return { keyId: principal.keyId, name: principal.name, scopes: [...principal.scopes] };
  }
}
