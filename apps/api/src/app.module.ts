import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '@tagforge/auth';
import { ConfigModule, loggerModule } from '@tagforge/common';
import { DeliveryModule } from '@tagforge/delivery';
import { IngestionModule } from '@tagforge/ingestion';
import { PersistenceModule } from '@tagforge/persistence';
import { DefinitionsModule, PipelineModule } from '@tagforge/pipeline';
import { QueueModule } from '@tagforge/queue';
import { InsightsModule } from '@tagforge/insights';
import { ServingModule } from '@tagforge/serving';
import { ApiKeyGuard } from './auth/api-key.guard';
import { KeyRateLimitGuard } from './auth/key-rate-limit.guard';
import { BootstrapKeyService } from './auth/bootstrap-key.service';
import { HealthController } from './health/health.controller';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { RequireBodyGuard } from './http/require-body.guard';
import { MetricsController } from './metrics/metrics.controller';
import { ProfilesController } from './profiles/profiles.controller';
import { CustomerTagsController } from './customers/customer-tags.controller';
import { RunsController } from './runs/runs.controller';
import { SandboxController } from './sandbox/sandbox.controller';
import { AuditController } from './audit/audit.controller';
import { ExportDownloadsController, ExportLinksController } from './audiences/exports.controller';
import { ExportTokens } from './audiences/export-tokens';
import { SegmentsController, TagAudiencesController } from './audiences/segments.controller';
import { ChangeSetsController, TagsController } from './tags/tags.controller';
import { WhoamiController } from './auth/whoami.controller';
import {
  AudienceSizesController,
  InsightsController,
  TagDistributionController,
} from './insights/insights.controller';
import { CampaignsController } from './campaigns/campaigns.controller';
import { OutcomeComparisonController } from './campaigns/outcome-comparison.controller';
import { DestinationsController } from './destinations/destinations.controller';
import { OpsStatusController } from './ops/ops-status.controller';

@Module({
  imports: [
    ConfigModule,
    loggerModule(),
    PersistenceModule,
    QueueModule,
    AuthModule,
    IngestionModule,
    PipelineModule,
    DefinitionsModule,
    ServingModule,
    InsightsModule,
    DeliveryModule,
    TerminusModule,
  ],
  controllers: [
    HealthController,
    MetricsController,
    ProfilesController,
    CustomerTagsController,
    TagsController,
    ChangeSetsController,
    TagAudiencesController,
    TagDistributionController,
    SegmentsController,
    AudienceSizesController,
    InsightsController,
    ExportLinksController,
    ExportDownloadsController,
    RunsController,
    SandboxController,
    AuditController,
    WhoamiController,
    CampaignsController,
    OutcomeComparisonController,
    DestinationsController,
    OpsStatusController,
  ],
  providers: [
    BootstrapKeyService,
    ExportTokens,
    // In this order: identify the key, count its requests, then check the body is there.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: KeyRateLimitGuard },
    { provide: APP_GUARD, useClass: RequireBodyGuard },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class AppModule {}
