import { Body, Controller, Delete, Get, HttpCode, Param, Post, type PipeTransform } from '@nestjs/common';
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
import { ModelStabilityService } from '@tagforge/serving';
import { actorOf } from '../auth/actor';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { JsonObjectBodyPipe, OptionalDtoBodyPipe } from '../http/body.pipe';
import { Refuses } from '../http/openapi';
import { TagIdPipe, UuidPipe, VersionPipe } from '../http/params';
import { UNTIL_COLON } from '../http/routes';
import { ModelStabilityDto } from './model-stability.dto';
import {
  ActivationRequestDto,
  ApprovedDto,
  ChangeSetActivatedDto,
  ChangeSetDto,
  ChangeSetListDto,
  DiscardedVersionDto,
  DraftListDto,
  DriftReportDto,
  RetirementProposedDto,
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

// An activation's optional body: {"errorThresholdPercent": n} overrides RUN_ERROR_THRESHOLD_PERCENT.
const ACTIVATION_BODY = new OptionalDtoBodyPipe(
  ActivationRequestDto,
  'empty or {"errorThresholdPercent": 0-100}',
);

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
@ApiExtraModels(TagDefinitionDto, DefinitionsRequestDto, RunStartedForVersionDto, RetirementProposedDto)
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
  @ApiOkResponse({ type: DefinitionListDto })
  async list() {
    return { items: await this.stability.flagged(await this.definitions.list()) };
  }

  @Get('tags::drift')
  @RequireScope('tags:read')
  @ApiOperation({
    summary:
      'The definitions folder (TAG_DEFINITIONS_DIR) against the live catalog: same | changed | only-in-folder | only-live',
    description:
      'The database is the source of truth; the folder is imported only into an empty catalog (DEFINITIONS_IMPORT).',
  })
  @ApiOkResponse({ type: DriftReportDto })
  drift() {
    return this.definitions.drift();
  }

  @Get('tags::drafts')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: 'Draft versions of every tag and segment, not yet activated or discarded, newest first',
    description:
      'What a checker reviews (maker, approval state) in one request; the diff of one is GET /v1/tags/{id}/versions/{version}/diff.',
  })
  @ApiOkResponse({ type: DraftListDto })
  drafts() {
    return this.definitions.listDrafts();
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
      'Push a definitions folder (tagctl sync): new or changed definitions become active with one run; under maker-checker they become drafts in one change set to approve',
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
  @ApiOperation({
    summary: 'Create a draft version of a tag or segment (activate it separately)',
    description:
      'Content equal to the active version or the newest draft creates nothing: status "unchanged" names that version.',
  })
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

  @Get('tags/:id/stability')
  @RequireScope('tags:read')
  @ApiOperation({
    summary: "A model tag's population stability (PSI)",
    description:
      'PSI of the score and of each characteristic between the training distribution kept in the model block and the live population (< 0.1 stable, 0.1-0.25 watch, > 0.25 review); 409 for a tag that is not a trained model.',
  })
  @ApiParam({ name: 'id', example: 'default_risk_score' })
  @ApiOkResponse({ type: ModelStabilityDto })
  @Refuses.badRequest('a malformed tag id')
  @Refuses.notFound('no active tag with this id')
  @Refuses.conflict('the tag is not a trained model: its definition has no scorecard with a model block')
  stabilityOf(@Param('id', TagIdPipe) id: string) {
    return this.stability.stability(id);
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

  @Delete('tags/:id/versions/:version')
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Discard a draft version (kept as history with status discarded, audited)' })
  @TAG_PARAM
  @VERSION_PARAM
  @ApiOkResponse({ type: DiscardedVersionDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound('no such version of the tag')
  @Refuses.conflict('only a draft is discarded')
  discard(
    @Param('id', TagIdPipe) id: string,
    @Param('version', VersionPipe) version: number,
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
  @TAG_PARAM
  @VERSION_PARAM
  @ApiBody({ type: ActivationRequestDto, required: false })
  @ApiAcceptedResponse({ type: RunStartedForVersionDto })
  @Refuses.badRequest(`${BAD_ID}, a body other than {"errorThresholdPercent": 0-100}`)
  @Refuses.notFound('no such version of the tag')
  @Refuses.conflict('already active or discarded, or a draft that needs its approval first')
  @Refuses.unprocessable(
    'the rules fail for 12 of 200 sampled customers (6.0 %), above the 1.00 % threshold; nothing was activated',
    { sampled: 200, failed: 12, thresholdPercent: 1, examples: [] },
  )
  activate(
    @Param('id', TagIdPipe) id: string,
    @Param('version', VersionPipe) version: number,
    @Body(ACTIVATION_BODY) options: ActivationRequestDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.activate(id, version, actorOf(principal), options);
  }

  @Post(`tags/:id${UNTIL_COLON}::retire`)
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary:
      'Retire a tag: removed from every customer, each removal kept as history; under maker-checker a change set to approve',
  })
  @TAG_PARAM
  @ApiAcceptedResponse({
    description: 'the retirement run, or under maker-checker the change set that proposes it',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(RunStartedForVersionDto) },
        { $ref: getSchemaPath(RetirementProposedDto) },
      ],
    },
  })
  @Refuses.badRequest('a malformed tag id')
  @Refuses.notFound('the tag has no active version')
  @Refuses.conflict('active definitions read the tag: retire or change them first')
  retire(@Param('id', TagIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.definitions.retire(id, actorOf(principal));
  }
}

const CHANGE_SET_PARAM = ApiParam({ name: 'id', format: 'uuid' });

@ApiTags('catalog')
@Controller('v1/changesets')
export class ChangeSetsController {
  constructor(private readonly definitions: DefinitionService) {}

  @Get()
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'Change sets (maker-checker for syncs and retirements), newest first' })
  @ApiOkResponse({ type: ChangeSetListDto })
  list() {
    return this.definitions.listChangeSets();
  }

  @Get(':id')
  @RequireScope('tags:read')
  @ApiOperation({ summary: 'A change set: its drafts, retirements, maker, checker and run' })
  @CHANGE_SET_PARAM
  @ApiOkResponse({ type: ChangeSetDto })
  @Refuses.badRequest('a change set id that is not a UUID')
  @Refuses.notFound('no change set with this id')
  get(@Param('id', new UuidPipe('change set')) id: string) {
    return this.definitions.getChangeSet(id);
  }

  @Post(`:id${UNTIL_COLON}::approve`)
  @HttpCode(200)
  @RequireScope(
    'definitions:write',
    'this key proposed the change set: a different key must approve it (maker-checker)',
  )
  @ApiOperation({ summary: 'Approve a change set (a key other than the one that proposed it)' })
  @CHANGE_SET_PARAM
  @ApiOkResponse({ type: ChangeSetDto })
  @Refuses.badRequest('a change set id that is not a UUID')
  @Refuses.notFound('no change set with this id')
  @Refuses.conflict('only a pending change set is approved')
  approve(@Param('id', new UuidPipe('change set')) id: string, @CurrentPrincipal() principal: Principal) {
    return this.definitions.approveChangeSet(id, actorOf(principal));
  }

  @Post(`:id${UNTIL_COLON}::activate`)
  @HttpCode(202)
  @RequireScope('definitions:write')
  @ApiOperation({
    summary: 'Activate an approved change set: its drafts become active, its retirements happen, one run',
    description:
      'Tried on a sample first, as a version activation. Optional body {"errorThresholdPercent": n}.',
  })
  @CHANGE_SET_PARAM
  @ApiBody({ type: ActivationRequestDto, required: false })
  @ApiAcceptedResponse({ type: ChangeSetActivatedDto })
  @Refuses.badRequest(
    'a change set id that is not a UUID, a body other than {"errorThresholdPercent": 0-100}',
  )
  @Refuses.notFound('no change set with this id')
  @Refuses.conflict('a change set that is not approved, or whose drafts changed since')
  @Refuses.unprocessable('low_risk does not fit the active catalog', [])
  activate(
    @Param('id', new UuidPipe('change set')) id: string,
    @Body(ACTIVATION_BODY) options: ActivationRequestDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.definitions.activateChangeSet(id, actorOf(principal), options);
  }

  @Post(`:id${UNTIL_COLON}::discard`)
  @HttpCode(200)
  @RequireScope('definitions:write')
  @ApiOperation({ summary: 'Discard a change set that was not activated' })
  @CHANGE_SET_PARAM
  @ApiOkResponse({ type: ChangeSetDto })
  @Refuses.badRequest('a change set id that is not a UUID')
  @Refuses.notFound('no change set with this id')
  @Refuses.conflict('the change set is activated or discarded already')
  discard(@Param('id', new UuidPipe('change set')) id: string, @CurrentPrincipal() principal: Principal) {
    return this.definitions.discardChangeSet(id, actorOf(principal));
  }
}
