import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigModule, loggerModule } from '@tagforge/common';
import { DeliveryModule } from '@tagforge/delivery';
import { PersistenceModule } from '@tagforge/persistence';
import { PipelineModule } from '@tagforge/pipeline';
import { QueueModule } from '@tagforge/queue';
import { DeliveryProcessor } from './processors/delivery.processor';
import { EvaluateCustomerProcessor } from './processors/evaluate-customer.processor';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { RunProcessor } from './processors/run.processor';
import { WorkerHost } from './worker-host';
import { WorkerMetricsServer } from './worker-metrics.server';

@Module({
  imports: [
    ConfigModule,
    loggerModule(),
    PersistenceModule,
    QueueModule,
    PipelineModule,
    DeliveryModule,
    DiscoveryModule,
  ],
  providers: [
    WorkerHost,
    WorkerMetricsServer,
    EvaluateCustomerProcessor,
    RunProcessor,
    MaintenanceProcessor,
    DeliveryProcessor,
  ],
})
export class WorkerModule {}
