import {
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Res,
  applyDecorators,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { grants, isScope, type Principal } from '@tagforge/auth';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { InsightsService } from '@tagforge/insights';
import { ApiKeyRepository } from '@tagforge/persistence';
import { AudienceService, MAX_EXPORT_COLUMNS, type AudienceRef, type ColumnRequest } from '@tagforge/serving';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { PublicRoute, RequireScope } from '../auth/require-scope.decorator';
import { streamAdHocExport } from '../insights/ad-hoc-export';
import { AS_OF_PROBLEM, Refuses, errorResponse } from '../http/openapi';
import { AS_OF, NumberPipe, TagIdPipe, TextPipe } from '../http/params';
import { streamMembers } from './audience-routes';
import { ColumnsPipe, ExportFormatPipe, ExportLinkDto } from './audience.dto';
import { EXPORT_TOKEN_TTL_SECONDS, ExportTokens, isAdHocGrant, type ExportGrant } from './export-tokens';

export const EXPORTS_PATH = 'exports';

const LinkRoute = (kind: 'segment' | 'tag', example: string) =>
  applyDecorators(
    Post(`${kind === 'segment' ? 'segments' : 'tags'}/:id/members::export`),
    RequireScope('segments:read', 'a profile:bureau.* column needs "bureau:read" as well'),
    ApiOperation({
      summary: `A one-time download link for the members of a ${kind === 'segment' ? 'segment' : 'tag'} (CSV or NDJSON)`,
      description:
        'The same export as GET …/members with Accept: text/csv or application/x-ndjson, checked now with this key, ' +
        `delivered by a link that needs no key, works once and within ${EXPORT_TOKEN_TTL_SECONDS} s. ` +
        'For a browser: it saves the streamed file itself, so a 900,000-member list never passes through a page.',
    }),
    ApiParam({ name: 'id', example }),
    ...(kind === 'tag'
      ? [
          ApiQuery({ name: 'value', required: false, description: 'a category tag: the value' }),
          ApiQuery({ name: 'min', required: false, type: Number, description: 'a number tag: lower bound' }),
          ApiQuery({ name: 'max', required: false, type: Number, description: 'a number tag: upper bound' }),
        ]
      : []),
    ApiQuery({ name: 'asOf', required: false, example: '2026-11-27T08:00:00Z' }),
    ApiQuery({
      name: 'columns',
      required: false,
      // One comma-separated value (a repeated ?columns= is refused), not an array of values.
      type: String,
      example: 'tag:risk_grade,profile:demographics.cityTier',
      description: `up to ${MAX_EXPORT_COLUMNS}, as on GET …/members`,
    }),
    ApiQuery({ name: 'format', required: false, enum: ['csv', 'ndjson'], description: 'csv by default' }),
    ApiCreatedResponse({ type: ExportLinkDto }),
    Refuses.badRequest(
      `${AS_OF_PROBLEM}, a malformed or unknown profile column, value/min/max that do not fit the tag, a format other than csv or ndjson, a body`,
    ),
    Refuses.notFound(
      `no active ${kind === 'segment' ? 'segment' : 'tag'} with this id (at asOf), or an unknown tag column`,
    ),
    errorResponse(
      503,
      ErrorCode.ServiceUnavailable,
      'download links need Redis, which is not reachable now; retry later',
    ),
  );

// The export is described by the query alone; a body is refused rather than ignored.
class NoBodyPipe implements PipeTransform<unknown, undefined> {
  transform(body: unknown): undefined {
    if (body === undefined) return undefined;
    throw new TagforgeException(
      ErrorCode.BadRequest,
      'this route takes no body: the export is described by its query',
    );
  }
}

const canReadBureau = (scopes: readonly string[]) => grants(scopes, 'bureau:read');

// Exports a browser can save without holding them: the console cannot add the key header to a plain
// download, and a fetch read into a blob would hold the whole list in the page (see docs/console.md).
@ApiTags('segments')
@Controller('v1')
export class ExportLinksController {
  constructor(
    private readonly audiences: AudienceService,
    private readonly tokens: ExportTokens,
  ) {}

  @LinkRoute('segment', 'instant_approval_offer')
  segment(
    @Param('id', TagIdPipe) id: string,
    @Query('asOf', AS_OF()) asOf: Date | undefined,
    @Query('columns', ColumnsPipe) columns: ColumnRequest[],
    @Query('format', ExportFormatPipe) format: 'csv' | 'ndjson',
    @Body(NoBodyPipe) _body: undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.link({ id, kind: 'segment' }, { asOf, columns, format }, principal);
  }

  @LinkRoute('tag', 'risk_grade')
  tag(
    @Param('id', TagIdPipe) id: string,
    @Query('value', new TextPipe('value')) value: string | undefined,
    @Query('min', new NumberPipe('min')) min: number | undefined,
    @Query('max', new NumberPipe('max')) max: number | undefined,
    @Query('asOf', AS_OF()) asOf: Date | undefined,
    @Query('columns', ColumnsPipe) columns: ColumnRequest[],
    @Query('format', ExportFormatPipe) format: 'csv' | 'ndjson',
    @Body(NoBodyPipe) _body: undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.link({ id, kind: 'tag', value, min, max }, { asOf, columns, format }, principal);
  }

  private async link(
    ref: AudienceRef,
    options: { asOf?: Date; columns: ColumnRequest[]; format: 'csv' | 'ndjson' },
    principal: Principal,
  ): Promise<ExportLinkDto> {
    // Every refusal the export could give (unknown audience or column, bureau columns, asOf with a
    // profile column) is given now, as JSON, rather than as a failed download later.
    await this.audiences.members(
      ref,
      { after: null, limit: 1, asOf: options.asOf, columns: options.columns },
      canReadBureau(principal.scopes),
    );
    const grant: ExportGrant = {
      keyId: principal.keyId,
      ref,
      format: options.format,
      columns: options.columns,
      ...(options.asOf ? { asOf: options.asOf.toISOString() } : {}),
    };
    const { token, expiresAt } = await this.tokens.issue(grant);
    return { url: `/${EXPORTS_PATH}/${token}`, format: options.format, expiresAt: expiresAt.toISOString() };
  }
}

// The link itself: no key header (the token is the credential, once). The key that made it must
// still be valid and hold segments:read when the download starts.
@ApiTags('segments')
@PublicRoute()
@Controller(EXPORTS_PATH)
export class ExportDownloadsController {
  constructor(
    private readonly audiences: AudienceService,
    private readonly tokens: ExportTokens,
    private readonly keys: ApiKeyRepository,
    private readonly insights: InsightsService,
  ) {}

  @Get(':token')
  @ApiOperation({
    summary:
      'Download an export by its one-time link (POST …/members:export, POST /v1/insights/export:link); no key header',
  })
  @ApiParam({ name: 'token', description: 'from the url of the link' })
  @ApiOkResponse({
    description:
      'the whole list, streamed as an attachment: CSV (customer_id,since,<columns>; an ad-hoc audience: customer_id) or NDJSON',
    content: {
      'text/csv': { schema: { type: 'string' } },
      'application/x-ndjson': { schema: { type: 'string' } },
    },
  })
  @Refuses.badRequest('a token that is not 43 characters of A-Z a-z 0-9 _ -')
  @errorResponse(401, ErrorCode.Unauthenticated, 'this download link is unknown, used or expired')
  @errorResponse(
    403,
    ErrorCode.Forbidden,
    'the key that made this link lacks "segments:read" (an ad-hoc audience\'s link: "insights:read")',
  )
  async download(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    const grant = await this.tokens.redeem(token);
    if (!grant) {
      throw new TagforgeException(
        ErrorCode.Unauthenticated,
        'this download link is unknown, used or expired',
      );
    }
    const key = await this.keys.findById(grant.keyId);
    const now = Date.now();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) {
      throw new TagforgeException(
        ErrorCode.Unauthenticated,
        'the key that made this link is revoked or expired',
      );
    }
    const scopes = key.scopes.filter(isScope);
    const needed = isAdHocGrant(grant) ? 'insights:read' : 'segments:read';
    if (!grants(scopes, needed)) {
      throw new TagforgeException(ErrorCode.Forbidden, `the key that made this link lacks "${needed}"`);
    }
    if (isAdHocGrant(grant)) {
      await streamAdHocExport(this.insights, reply, grant.rule, {
        asOf: grant.asOf ? new Date(grant.asOf) : undefined,
        format: grant.format,
      });
      return;
    }
    await streamMembers(
      this.audiences,
      grant.ref,
      { format: grant.format, asOf: grant.asOf ? new Date(grant.asOf) : undefined, columns: grant.columns },
      canReadBureau(scopes),
      reply,
    );
  }
}
