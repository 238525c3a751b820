import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigModule, loggerModule } from '@tagforge/common';
import { PersistenceModule } from '@tagforge/persistence';
import { PipelineModule } from '@tagforge/pipeline';
import { EvaluateCustomerProcessor } from './processors/evaluate-customer.processor';
import { WorkerHost } from './worker-host';

@Module({
  imports: [ConfigModule, loggerModule(), PersistenceModule, PipelineModule, DiscoveryModule],
  providers: [WorkerHost, EvaluateCustomerProcessor],
})
export class WorkerModule {}
