import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@tagforge/auth';
import { ErrorCode, MAX_ARRAY_ITEMS, TagforgeException, oversizedArray } from '@tagforge/common';
import { DefinitionService, type ActivationOptions } from '@tagforge/pipeline';
import { ModelStabilityService } from '@tagforge/serving';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ERROR_RESPONSES } from '../http/openapi';
import { UNTIL_COLON } from '../http/routes';

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

const MAX_DEFINITIONS_PER_REQUEST = 500;

function definitionsOf(body: unknown): unknown[] {
  const many = (body as { definitions?: unknown } | null)?.definitions;
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

// The optional body of an activation: {"errorThresholdPercent": n} overrides RUN_ERROR_THRESHOLD_PERCENT.
function activationOptions(body: unknown): ActivationOptions {
  if (body === undefined || body === null || body === '') return {};
  const { errorThresholdPercent, ...rest } = body as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body) || Object.keys(rest).length > 0) {
    throw new TagforgeException(
      ErrorCode.BadRequest,
      'the body is empty or {"errorThresholdPercent": 0-100}',
    );
  }
  if (errorThresholdPercent === undefined) return {};
  if (
    typeof errorThresholdPercent !== 'number' ||
    !(errorThresholdPercent >= 0 && errorThresholdPercent <= 100)
  ) {
    throw new TagforgeException(ErrorCode.BadRequest, 'errorThresholdPercent must be a number from 0 to 100');
  }
  return { errorThresholdPercent };
}

@ApiTags('catalog')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1')
export class TagsController {
  constructor(
    private readonly definitions: DefinitionService,
    private readonly stability: ModelStabilityService,
  ) {}

  @Get('tags')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: 'Active tag and segment definitions',
    description: 'A model tag carries `stability: {psi, review}`; review is true when a PSI passes 0.25.',
  })
  async list() {
    return { items: await this.stability.flagged(await this.definitions.list()) };
  }

  @Get('tags/:id/stability')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: "A model tag's population stability (PSI)",
    description:
      'PSI of the score and of each characteristic between the training distribution kept in the model block and the live population (< 0.1 stable, 0.1-0.25 watch, > 0.25 review); 409 for a tag that is not a trained model.',
  })
  @ApiParam({ name: 'id', example: 'default_risk_score' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  stabilityOf(@Param('id') id: string) {
    return this.stability.stability(id);
  }

  @Get('tags::drift')
  @RequireScope('tags:read')
  @ApiOperation({
    summary:
      'The definitions folder (TAG_DEFINITIONS_DIR) against the live catalog: same | changed | only-in-folder | only-live',
    description:
      'The database is the source of truth; the folder is imported only into an empty catalog (DEFINITIONS_IMPORT).',
  })
  drift() {
    return this.definitions.drift();
  }

  @Post('tags::validate')
  @HttpCode(200)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Validate definitions against the active catalog (the checks of tagctl validate)',
    description:
      'Body: one definition in the file format, or {"definitions": [...]}. 422 lists each error with its JSON pointer.',
  })
  @ApiBody({ schema: { type: 'object', example: DEFINITION_EXAMPLE } })
  @ApiResponse({ status: 200, description: 'Valid', schema: { example: { valid: true, warnings: [] } } })
  @ApiResponse(ERROR_RESPONSES.invalidDefinition)
  async validate(@Body() body: unknown) {
    const report = await this.definitions.validateContents(definitionsOf(body));
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
      'Push a definitions folder (tagctl sync): new or changed definitions become active with one run; under maker-checker they become drafts in one change set to approve',
  })
  @ApiBody({ schema: { type: 'object', example: { definitions: [DEFINITION_EXAMPLE] } } })
  @ApiResponse({
    status: 200,
    schema: {
      example: { activated: [{ tagId: 'salary_stopped', version: 2 }], unchanged: 131, runId: '5b0f...' },
    },
  })
  @ApiResponse(ERROR_RESPONSES.invalidDefinition)
  sync(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.definitions.syncPushed(definitionsOf(body), actorOf(principal));
  }

  @Post('tags')
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Create a draft version of a tag or segment (activate it separately)',
    description:
      'Content equal to the active version or the newest draft creates nothing: status "unchanged" names that version.',
  })
  @ApiBody({ schema: { type: 'object', example: DEFINITION_EXAMPLE } })
  @ApiResponse({
    status: 201,
    schema: { example: { tagId: 'salary_stopped', version: 2, status: 'created', warnings: [] } },
  })
  @ApiResponse(ERROR_RESPONSES.invalidDefinition)
  draft(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.definitions.createDraft(body, actorOf(principal));
  }

  @Get('tags/:id')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: 'A definition: active version, every version, how many customers carry it, rule errors',
  })
  @ApiParam({ name: 'id', example: 'low_risk' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  get(@Param('id') id: string) {
    return this.definitions.get(id);
  }

  @Post(`tags/:id/versions/:version${UNTIL_COLON}::approve`)
  @HttpCode(200)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Approve a draft version (maker-checker: a different key from the one that created it)',
  })
  @ApiParam({ name: 'id', example: 'low_risk' })
  @ApiParam({ name: 'version', example: 2 })
  @ApiResponse({
    status: 200,
    schema: { example: { tagId: 'low_risk', version: 2, approvedBy: 'risk-lead' } },
  })
  @ApiResponse(ERROR_RESPONSES.selfApproval)
  @ApiResponse(ERROR_RESPONSES.notFound)
  approve(
    @Param('id') id: string,
    @Param('version', ParseIntPipe) version: number,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.approve(id, version, actorOf(principal));
  }

  @Get('tags/:id/versions/:version/diff')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: 'A version against the active one (rule and metadata, before and after, RFC 6902 patch)',
  })
  @ApiParam({ name: 'id', example: 'low_risk' })
  @ApiParam({ name: 'version', example: 2 })
  @ApiResponse(ERROR_RESPONSES.notFound)
  diff(@Param('id') id: string, @Param('version', ParseIntPipe) version: number) {
    return this.definitions.diff(id, version);
  }

  @Delete('tags/:id/versions/:version')
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Discard a draft version (kept as history with status discarded, audited)' })
  @ApiParam({ name: 'id', example: 'low_risk' })
  @ApiParam({ name: 'version', example: 2 })
  @ApiResponse({ status: 200, schema: { example: { tagId: 'low_risk', version: 2, status: 'discarded' } } })
  @ApiResponse(ERROR_RESPONSES.notFound)
  discard(
    @Param('id') id: string,
    @Param('version', ParseIntPipe) version: number,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.discard(id, version, actorOf(principal));
  }

  @Post(`tags/:id/versions/:version${UNTIL_COLON}::activate`)
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Make a version active; starts a backfill run (202 with its id)',
    description:
      'Tried on a sample first (422 when its rules fail for more than the threshold); the run fails and is rolled back when they do during the run. Optional body {"errorThresholdPercent": n}.',
  })
  @ApiParam({ name: 'id', example: 'low_risk' })
  @ApiParam({ name: 'version', example: 2 })
  @ApiResponse({ status: 202, schema: { example: { tagId: 'low_risk', version: 2, runId: '8c1d...' } } })
  @ApiResponse(ERROR_RESPONSES.notFound)
  activate(
    @Param('id') id: string,
    @Param('version', ParseIntPipe) version: number,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.activate(id, version, actorOf(principal), activationOptions(body));
  }

  @Post(`tags/:id${UNTIL_COLON}::retire`)
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary:
      'Retire a tag: removed from every customer, each removal kept as history; under maker-checker a change set to approve',
  })
  @ApiParam({ name: 'id', example: 'low_risk' })
  @ApiResponse({
    status: 202,
    schema: { example: { tagId: 'gambling_spend', version: 1, runId: '8c1d...' } },
  })
  @ApiResponse(ERROR_RESPONSES.notFound)
  retire(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.definitions.retire(id, actorOf(principal));
  }
}

@ApiTags('catalog')
@ApiBearerAuth()
@ApiResponse(ERROR_RESPONSES.unauthenticated)
@ApiResponse(ERROR_RESPONSES.forbidden)
@Controller('v1/changesets')
export class ChangeSetsController {
  constructor(private readonly definitions: DefinitionService) {}

  @Get()
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'Change sets (maker-checker for syncs and retirements), newest first' })
  list() {
    return this.definitions.listChangeSets();
  }

  @Get(':id')
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'A change set: its drafts, retirements, maker, checker and run' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  get(@Param('id') id: string) {
    return this.definitions.getChangeSet(id);
  }

  @Post(`:id${UNTIL_COLON}::approve`)
  @HttpCode(200)
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Approve a change set (a key other than the one that proposed it)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse(ERROR_RESPONSES.selfApproval)
  @ApiResponse(ERROR_RESPONSES.notFound)
  approve(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.definitions.approveChangeSet(id, actorOf(principal));
  }

  @Post(`:id${UNTIL_COLON}::activate`)
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Activate an approved change set: its drafts become active, its retirements happen, one run',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  activate(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.definitions.activateChangeSet(id, actorOf(principal), activationOptions(body));
  }

  @Post(`:id${UNTIL_COLON}::discard`)
  @HttpCode(200)
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Discard a change set that was not activated' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse(ERROR_RESPONSES.notFound)
  discard(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.definitions.discardChangeSet(id, actorOf(principal));
  }
}
