import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { SCOPES, type Principal } from '@tagforge/auth';
import { CurrentPrincipal } from './principal.decorator';
import { RequireAnyKey } from './require-scope.decorator';

export class WhoamiDto {
  @ApiProperty({ format: 'uuid' })
  keyId!: string;

  @ApiProperty({ example: 'risk-lead' })
  name!: string;

  @ApiProperty({ type: [String], enum: SCOPES, example: ['tags:read', 'definitions:write'] })
  scopes!: string[];
}

// The key's own identity and scopes, so a client (the console) shows only what the key may do.
@ApiTags('auth')
@Controller('v1/auth')
export class WhoamiController {
  @Get('whoami')
  @RequireAnyKey()
  @ApiOperation({ summary: 'The calling key: id, name and scopes (any valid key)' })
  @ApiOkResponse({ type: WhoamiDto })
  whoami(@CurrentPrincipal() principal: Principal): WhoamiDto {
    return { keyId: principal.keyId, name: principal.name, scopes: [...principal.scopes] };
  }
}
