import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@tagforge/auth';
import { instantPart } from '@tagforge/common';
import {
  DEFAULT_DELIVERIES_PAGE,
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  DELIVERIES_CURSOR,
  DestinationService,
  MAX_DELIVERIES_PAGE,
  type DestinationActor,
} from '@tagforge/delivery';
import { CHANGES_CURSOR } from '@tagforge/serving';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { DtoBodyPipe, OptionalDtoBodyPipe } from '../http/body.pipe';
import { PAGING_PROBLEMS, Refuses } from '../http/openapi';
import { CursorPipe, LimitPipe, UuidPipe } from '../http/params';
import { UNTIL_COLON } from '../http/routes';
import {
  CreateDestinationDto,
  CreatedDestinationDto,
  DeadLettersPageDto,
  DeliveriesPageDto,
  DestinationDeletedDto,
  DestinationDto,
  DestinationListDto,
  PingResultDto,
  ReplayDto,
  RotateSecretDto,
  RotatedSecretDto,
  UpdateDestinationDto,
} from './destination.dto';

const CREATE_SHAPE =
  '{"name", "url", "audiences": [...] | "early_warning", "events"?, "batch"?: {"maxEvents", "maxWaitMs"}, "columns"?, "riskUse"?}';
const ID = new UuidPipe('destination');
const ID_PARAM = ApiParam({ name: 'id', format: 'uuid' });
const NOT_FOUND = 'no destination with this id';
const BAD_ID = 'a destination id that is not a UUID';
const CHECKS = {
  message: 'the destination does not check out (url, audiences, columns)',
  details: [{ pointer: '/url', message: 'url must be https' }],
};

const actorOf = (principal: Principal): DestinationActor => ({
  keyId: principal.keyId,
  name: principal.name,
  admin: principal.scopes.includes('admin'),
});

// Webhooks that receive audience changes and early-warning signals (docs/destinations.md).
@ApiTags('destinations')
@Controller('v1/destinations')
export class DestinationsController {
  constructor(private readonly destinations: DestinationService) {}

  @Post()
  @RequireScope('destinations:write', 'riskUse needs an admin key')
  @ApiOperation({
    summary: 'Create a destination; its signing secret is in this answer only',
    description:
      'It receives the changes committed from now on, signed per Standard Webhooks, in batches, in order per customer.',
  })
  @ApiBody({ type: CreateDestinationDto })
  @ApiCreatedResponse({ type: CreatedDestinationDto })
  @Refuses.badRequest(CREATE_SHAPE)
  @Refuses.unsupportedMediaType()
  @Refuses.unprocessable(CHECKS.message, CHECKS.details)
  create(
    @Body(new DtoBodyPipe(CreateDestinationDto, CREATE_SHAPE)) body: CreateDestinationDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.destinations.create(body, actorOf(principal));
  }

  @Get()
  @RequireScope('destinations:write')
  @ApiOperation({ summary: 'Every destination, with its status and cursor (never its secret)' })
  @ApiOkResponse({ type: DestinationListDto })
  list() {
    return this.destinations.list();
  }

  @Get(':id')
  @RequireScope('destinations:write')
  @ApiOperation({ summary: 'A destination: configuration, status, cursor, failures' })
  @ID_PARAM
  @ApiOkResponse({ type: DestinationDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound(NOT_FOUND)
  get(@Param('id', ID) id: string) {
    return this.destinations.get(id);
  }

  @Patch(':id')
  @RequireScope('destinations:write', 'changing riskUse needs an admin key')
  @ApiOperation({ summary: 'Change a destination (the fields given); its cursor stays where it is' })
  @ID_PARAM
  @ApiBody({ type: UpdateDestinationDto })
  @ApiOkResponse({ type: DestinationDto })
  @Refuses.badRequest(`${BAD_ID}; a body with fields of ${CREATE_SHAPE}`)
  @Refuses.notFound(NOT_FOUND)
  @Refuses.unsupportedMediaType()
  @Refuses.unprocessable(CHECKS.message, CHECKS.details)
  update(
    @Param('id', ID) id: string,
    @Body(new DtoBodyPipe(UpdateDestinationDto, `fields of ${CREATE_SHAPE}`)) body: UpdateDestinationDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.destinations.update(id, body, actorOf(principal));
  }

  @Delete(':id')
  @RequireScope('destinations:write')
  @ApiOperation({ summary: 'Delete a destination with its cursor, deliveries log and dead letters' })
  @ID_PARAM
  @ApiOkResponse({ type: DestinationDeletedDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound(NOT_FOUND)
  async remove(@Param('id', ID) id: string, @CurrentPrincipal() principal: Principal) {
    await this.destinations.remove(id, actorOf(principal));
    return { id, deleted: true };
  }

  @Post(`:id${UNTIL_COLON}::pause`)
  @HttpCode(200)
  @RequireScope('destinations:write')
  @ApiOperation({ summary: 'Stop delivering (changes wait at the cursor)' })
  @ID_PARAM
  @ApiOkResponse({ type: DestinationDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound(NOT_FOUND)
  pause(@Param('id', ID) id: string, @CurrentPrincipal() principal: Principal) {
    return this.destinations.pause(id, actorOf(principal));
  }

  @Post(`:id${UNTIL_COLON}::resume`)
  @HttpCode(200)
  @RequireScope('destinations:write')
  @ApiOperation({
    summary: 'Deliver again (a paused or disabled destination): everything since its cursor, in order',
  })
  @ID_PARAM
  @ApiOkResponse({ type: DestinationDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound(NOT_FOUND)
  resume(@Param('id', ID) id: string, @CurrentPrincipal() principal: Principal) {
    return this.destinations.resume(id, actorOf(principal));
  }

  @Post(`:id${UNTIL_COLON}::test`)
  @HttpCode(200)
  @RequireScope('destinations:write')
  @ApiOperation({ summary: 'Send a signed ping now and report the answer' })
  @ID_PARAM
  @ApiOkResponse({ type: PingResultDto })
  @Refuses.badRequest(BAD_ID)
  @Refuses.notFound(NOT_FOUND)
  test(@Param('id', ID) id: string) {
    return this.destinations.test(id);
  }

  @Post(`:id${UNTIL_COLON}::rotate-secret`)
  @HttpCode(200)
  @RequireScope('destinations:write')
  @ApiOperation({
    summary: 'A new signing secret (shown once); the previous one goes on signing for the overlap window',
  })
  @ID_PARAM
  @ApiBody({ type: RotateSecretDto, required: false })
  @ApiOkResponse({ type: RotatedSecretDto })
  @Refuses.badRequest(`${BAD_ID}; overlapSeconds outside 0-604800`)
  @Refuses.notFound(NOT_FOUND)
  rotate(
    @Param('id', ID) id: string,
    @Body(new OptionalDtoBodyPipe(RotateSecretDto, '{"overlapSeconds": 0-604800} or nothing'))
    body: RotateSecretDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.destinations.rotateSecret(
      id,
      body.overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS,
      actorOf(principal),
    );
  }

  @Post(`:id${UNTIL_COLON}::replay`)
  @HttpCode(200)
  @RequireScope('destinations:write')
  @ApiOperation({
    summary:
      'Re-send from a cursor or an instant (at least once: with new webhook ids, the same idempotency keys)',
  })
  @ID_PARAM
  @ApiBody({ type: ReplayDto })
  @ApiOkResponse({ type: DestinationDto })
  @Refuses.badRequest(`${BAD_ID}; from neither a cursor this API returned nor an ISO 8601 instant`)
  @Refuses.notFound(NOT_FOUND)
  @Refuses.conflict('from lies ahead of the destination cursor (a replay never skips changes)')
  replay(
    @Param('id', ID) id: string,
    @Body(new DtoBodyPipe(ReplayDto, '{"from": <cursor or ISO 8601 instant>}')) body: ReplayDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const instant = instantPart(body.from);
    const from = instant !== undefined ? { instant } : { cursor: CHANGES_CURSOR.decode(body.from) };
    return this.destinations.replay(id, from, actorOf(principal));
  }

  @Get(':id/deliveries')
  @RequireScope('destinations:write')
  @ApiOperation({
    summary: 'Delivery attempts, newest first: status, latency, attempt number (keyset-paged)',
  })
  @ID_PARAM
  @ApiQuery({
    name: 'limit',
    required: false,
    type: Number,
    example: DEFAULT_DELIVERIES_PAGE,
    description: `1 to ${MAX_DELIVERIES_PAGE}`,
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: DeliveriesPageDto })
  @Refuses.badRequest(`${BAD_ID}; ${PAGING_PROBLEMS}`)
  @Refuses.notFound(NOT_FOUND)
  deliveries(
    @Param('id', ID) id: string,
    @Query('limit', new LimitPipe(DEFAULT_DELIVERIES_PAGE, MAX_DELIVERIES_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(DELIVERIES_CURSOR)) before: string | undefined,
  ) {
    return this.destinations.deliveries(id, limit, before);
  }

  @Get(':id/dead-letters')
  @RequireScope('destinations:write')
  @ApiOperation({ summary: 'Batches refused with a 4xx (not retried), with the response, newest first' })
  @ID_PARAM
  @ApiQuery({
    name: 'limit',
    required: false,
    type: Number,
    example: DEFAULT_DELIVERIES_PAGE,
    description: `1 to ${MAX_DELIVERIES_PAGE}`,
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: DeadLettersPageDto })
  @Refuses.badRequest(`${BAD_ID}; ${PAGING_PROBLEMS}`)
  @Refuses.notFound(NOT_FOUND)
  deadLetters(
    @Param('id', ID) id: string,
    @Query('limit', new LimitPipe(DEFAULT_DELIVERIES_PAGE, MAX_DELIVERIES_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(DELIVERIES_CURSOR)) before: string | undefined,
  ) {
    return this.destinations.deadLetters(id, limit, before);
  }
}
