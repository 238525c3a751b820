import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  type Type,
} from '@nestjs/common';
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
import { Stacked } from '../http/stacked';
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

// `POST /v1/destinations/{id}:<action>`, answering 200 with `type`; 400 for an id that is no UUID
// (or for what `badRequest` says), 404 for an unknown one, and the `refusals` besides.
const DestinationAction = (
  action: string,
  summary: string,
  type: Type<unknown>,
  options: { body?: { type: Type<unknown>; required?: boolean }; badRequest?: string } = {},
  ...refusals: MethodDecorator[]
) =>
  Stacked(
    Post(`:id${UNTIL_COLON}::${action}`),
    HttpCode(200),
    RequireScope('destinations:write'),
    ApiOperation({ summary }),
    ID_PARAM,
    ...(options.body ? [ApiBody(options.body)] : []),
    ApiOkResponse({ type }),
    Refuses.badRequest(options.badRequest ?? BAD_ID),
    Refuses.notFound(NOT_FOUND),
    ...refusals,
  );

// `GET /v1/destinations/{id}/<log>`: a keyset-paged log of one destination, newest first.
const DestinationLog = (log: string, summary: string, type: Type<unknown>) =>
  Stacked(
    Get(`:id/${log}`),
    RequireScope('destinations:write'),
    ApiOperation({ summary }),
    ID_PARAM,
    ApiQuery({
      name: 'limit',
      required: false,
      type: Number,
      example: DEFAULT_DELIVERIES_PAGE,
      description: `1 to ${MAX_DELIVERIES_PAGE}`,
    }),
    ApiQuery({ name: 'cursor', required: false }),
    ApiOkResponse({ type }),
    Refuses.badRequest(`${BAD_ID}; ${PAGING_PROBLEMS}`),
    Refuses.notFound(NOT_FOUND),
  );

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

  @DestinationAction('pause', 'Stop delivering (changes wait at the cursor)', DestinationDto)
  pause(@Param('id', ID) id: string, @CurrentPrincipal() principal: Principal) {
    return this.destinations.pause(id, actorOf(principal));
  }

  @DestinationAction(
    'resume',
    'Deliver again (a paused or disabled destination): everything since its cursor, in order',
    DestinationDto,
  )
  resume(@Param('id', ID) id: string, @CurrentPrincipal() principal: Principal) {
    return this.destinations.resume(id, actorOf(principal));
  }

  @DestinationAction('test', 'Send a signed ping now and report the answer', PingResultDto)
  test(@Param('id', ID) id: string) {
    return this.destinations.test(id);
  }

  @DestinationAction(
    'rotate-secret',
    'A new signing secret (shown once); the previous one goes on signing for the overlap window',
    RotatedSecretDto,
    {
      body: { type: RotateSecretDto, required: false },
      badRequest: `${BAD_ID}; overlapSeconds outside 0-604800`,
    },
  )
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

  @DestinationAction(
    'replay',
    'Re-send from a cursor or an instant (at least once: with new webhook ids, the same idempotency keys)',
    DestinationDto,
    {
      body: { type: ReplayDto },
      badRequest: `${BAD_ID}; from neither a cursor this API returned nor an ISO 8601 instant`,
    },
    Refuses.conflict('from lies ahead of the destination cursor (a replay never skips changes)'),
  )
  replay(
    @Param('id', ID) id: string,
    @Body(new DtoBodyPipe(ReplayDto, '{"from": <cursor or ISO 8601 instant>}')) body: ReplayDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const instant = instantPart(body.from);
    const from = instant !== undefined ? { instant } : { cursor: CHANGES_CURSOR.decode(body.from) };
    return this.destinations.replay(id, from, actorOf(principal));
  }

  @DestinationLog(
    'deliveries',
    'Delivery attempts, newest first: status, latency, attempt number (keyset-paged)',
    DeliveriesPageDto,
  )
  deliveries(
    @Param('id', ID) id: string,
    @Query('limit', new LimitPipe(DEFAULT_DELIVERIES_PAGE, MAX_DELIVERIES_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(DELIVERIES_CURSOR)) before: string | undefined,
  ) {
    return this.destinations.deliveries(id, limit, before);
  }

  @DestinationLog(
    'dead-letters',
    'Batches refused with a 4xx (not retried), with the response, newest first',
    DeadLettersPageDto,
  )
  deadLetters(
    @Param('id', ID) id: string,
    @Query('limit', new LimitPipe(DEFAULT_DELIVERIES_PAGE, MAX_DELIVERIES_PAGE)) limit: number,
    @Query('cursor', new CursorPipe(DELIVERIES_CURSOR)) before: string | undefined,
  ) {
    return this.destinations.deadLetters(id, limit, before);
  }
}
