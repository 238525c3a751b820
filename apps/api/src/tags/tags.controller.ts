import { Body, Controller, Get, HttpCode, Param, Post, type PipeTransform } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Principal } from '@tagforge/auth';
import { ErrorCode, MAX_ARRAY_ITEMS, TagforgeException, oversizedArray } from '@tagforge/common';
import { DefinitionService } from '@tagforge/pipeline';
import type { JsonObject } from '@tagforge/profile';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { JsonObjectBodyPipe } from '../http/body.pipe';
import { Refuses } from '../http/openapi';
import { TagIdPipe, VersionPipe } from '../http/params';
import { UNTIL_COLON } from '../http/routes';
import {
  ApprovedDto,
  DefinitionDetailDto,
  DefinitionDiffDto,
  DefinitionListDto,
  DefinitionsRequestDto,
  DraftCreatedDto,
  RunStartedForVersionDto,
  SyncReportDto,
  TagDefinitionDto,
  ValidationResultDto,
} from './definition.dto';

const MAX_DEFINITIONS_PER_REQUEST = 500;

// One definition, or {"definitions": [...]}: the list the catalog validates, each in the file format.
class DefinitionsBodyPipe implements PipeTransform<unknown, unknown[]> {
  constructor(private readonly wrappedOnly: boolean) {}

  transform(body: unknown): unknown[] {
    const many = (body as { definitions?: unknown } | null)?.definitions;
    if (this.wrappedOnly && !Array.isArray(many)) {
      throw new TagforgeException(ErrorCode.BadRequest, 'the body is {"definitions": [...]}');
    }
    const list = Array.isArray(many) ? many : [body];
    if (list.length === 0 || list.length > MAX_DEFINITIONS_PER_REQUEST) {
      throw new TagforgeException(ErrorCode.BadRequest, `send 1-${MAX_DEFINITIONS_PER_REQUEST} definitions`);
    }
    const oversized = oversizedArray(list);
    if (oversized !== null) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        `an array at ${oversized} holds more than ${MAX_ARRAY_ITEMS} items`,
      );
    }
    return list;
  }
}

const TAG_PARAM = ApiParam({ name: 'id', example: 'low_risk' });
const VERSION_PARAM = ApiParam({ name: 'version', example: 2, schema: { type: 'integer', minimum: 1 } });
const BAD_ID = 'a malformed tag id or version';

const DEFINITION_EXAMPLE = {
  id: 'salary_stopped',
  name: 'Salary stopped',
  kind: 'boolean',
  purpose: 'risk',
  category: 'early_warning',
  description: 'A payroll customer whose last salary arrived more than 45 days ago.',
  rule: {
    and: [
      { '==': [{ var: 'income.payrollAtBank' }, true] },
      { '>': [{ days_since: { var: 'income.lastSalaryDate' } }, 45] },
    ],
  },
};

@ApiTags('catalog')
@ApiExtraModels(TagDefinitionDto, DefinitionsRequestDto)
@Controller('v1')
export class TagsController {
  constructor(private readonly definitions: DefinitionService) {}

  @Get('tags')
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'Active tag and segment definitions' })
  @ApiOkResponse({ type: DefinitionListDto })
  list() {
    return this.definitions.list().then((items) => ({ items }));
  }

  @Post('tags::validate')
  @HttpCode(200)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Validate definitions against the active catalog (the checks of tagctl validate)',
    description:
      'Body: one definition in the file format, or {"definitions": [...]}. 422 lists each error with its JSON pointer.',
  })
  @ApiBody({
    schema: {
      oneOf: [{ $ref: getSchemaPath(TagDefinitionDto) }, { $ref: getSchemaPath(DefinitionsRequestDto) }],
    },
    examples: { definition: { value: DEFINITION_EXAMPLE } },
  })
  @ApiOkResponse({ type: ValidationResultDto, description: 'Valid' })
  @Refuses.badRequest('no definitions or more than 500, a body that is not JSON')
  @Refuses.tooLarge()
  @Refuses.invalidDefinition()
  async validate(@Body(new DefinitionsBodyPipe(false)) definitions: unknown[]) {
    const report = await this.definitions.validateContents(definitions);
    if (report.errors.length > 0) {
      throw new TagforgeException(
        ErrorCode.ValidationFailed,
        'the definitions do not validate',
        report.errors,
      );
    }
    return { valid: true, warnings: report.warnings };
  }

  @Post('tags::sync')
  @HttpCode(200)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary:
      'Push a definitions folder (tagctl sync): new or changed definitions become active, with one backfill run',
  })
  @ApiBody({ type: DefinitionsRequestDto })
  @ApiOkResponse({ type: SyncReportDto })
  @Refuses.badRequest('not {"definitions": [...]} of 1-500 definitions, a body that is not JSON')
  @Refuses.tooLarge()
  @Refuses.invalidDefinition()
  sync(
    @Body(new DefinitionsBodyPipe(true)) definitions: unknown[],
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.syncPushed(definitions, actorOf(principal));
  }

  @Post('tags')
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Create a draft version of a tag or segment (activate it separately)' })
  @ApiBody({ type: TagDefinitionDto })
  @ApiCreatedResponse({ type: DraftCreatedDto })
  @Refuses.badRequest('a body that is not JSON')
  @Refuses.tooLarge()
  @Refuses.invalidDefinition()
  draft(
    @Body(new JsonObjectBodyPipe('the definition')) body: JsonObject,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.createDraft(body, actorOf(principal));
  }

  @Get('tags/:id')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: 'A definition: active version, every version, how many customers carry it, rule errors',
  })
  @TAG_PARAM
  @ApiOkResponse({ type: DefinitionDetailDto })
  @Refuses.badRequest('a malformed tag id')
  @Refuses.notFound('no tag with this id')
  get(@Param('id', TagIdPipe) id: string) {
    return this.definitions.get(id);
  }

  @Post(`tags/:id/versions/:version${UNTIL_COLON}::approve`)
  @HttpCode(200)
  @RequireScope(
    'definitions:write',
    'this key created the version: a different key must approve it (maker-checker)',
  )
  @ApiOperation({
    summary: 'Approve a draft version (maker-checker: a different key from the one that created it)',
  })
  @TAG_PARAM
  @VERSION_PARAM
  @ApiOkResponse({ type: ApprovedDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound('no such version of the tag')
  @Refuses.conflict('only an unapproved draft is approved')
  approve(
    @Param('id', TagIdPipe) id: string,
    @Param('version', VersionPipe) version: number,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.approve(id, version, actorOf(principal));
  }

  @Get('tags/:id/versions/:version/diff')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: 'A version against the active one (rule and metadata, before and after, RFC 6902 patch)',
  })
  @TAG_PARAM
  @VERSION_PARAM
  @ApiOkResponse({ type: DefinitionDiffDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound('no such version of the tag')
  diff(@Param('id', TagIdPipe) id: string, @Param('version', VersionPipe) version: number) {
    return this.definitions.diff(id, version);
  }

  @Post(`tags/:id/versions/:version${UNTIL_COLON}::activate`)
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Make a version active; starts a backfill run (202 with its id)' })
  @TAG_PARAM
  @VERSION_PARAM
  @ApiAcceptedResponse({ type: RunStartedForVersionDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound('no such version of the tag')
  @Refuses.conflict('already active, or a draft that needs its approval first')
  @Refuses.unprocessable('low_risk version 2 does not fit the active catalog', [])
  activate(
    @Param('id', TagIdPipe) id: string,
    @Param('version', VersionPipe) version: number,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.activate(id, version, actorOf(principal));
  }

  @Post(`tags/:id${UNTIL_COLON}::retire`)
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Retire a tag: removed from every customer, each removal kept as history' })
  @TAG_PARAM
  @ApiAcceptedResponse({ type: RunStartedForVersionDto })
  @Refuses.badRequest('a malformed tag id')
  @Refuses.notFound('the tag has no active version')
  @Refuses.conflict('active definitions read the tag: retire or change them first')
  retire(@Param('id', TagIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.definitions.retire(id, actorOf(principal));
  }
}
