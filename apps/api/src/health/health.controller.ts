import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { QueueProducer } from '@tagforge/queue';
import { PublicRoute } from '../auth/require-scope.decorator';

@ApiTags('ops')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly producer: QueueProducer,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ok'] } },
      required: ['status'],
    },
  })
  live() {
    return { status: 'ok' };
  }

  // 503 names the dependency that is down. With Redis down, profile writes are still accepted
  // (evaluation catches up through the reconciler), which is why this says "degraded" in words.
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Postgres and Redis are reachable (503 naming the one that is not)' })
  ready() {
    return this.health.check([
      async () => this.database.pingCheck('postgres').withTimeout(2000),
      async () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await this.producer.ping();
          })
          .withTimeout(2000),
    ]);
  }
}
