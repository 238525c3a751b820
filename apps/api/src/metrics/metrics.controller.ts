import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { register } from 'prom-client';
import { PublicRoute } from '../auth/require-scope.decorator';

@ApiTags('ops')
@PublicRoute()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  @ApiOperation({ summary: 'Prometheus metrics' })
  metrics(): Promise<string> {
    return register.metrics();
  }
}
