import { Module } from '@nestjs/common';
import { QueueModule } from '@tagforge/queue';
import { ActiveCatalogService } from './active-catalog.service';
import { CustomerEvaluationService } from './customer-evaluation.service';
import { DefinitionService } from './definition.service';
import { ReconcilerService } from './reconciler.service';
import { RunQueryService } from './run-query.service';
import { RunService } from './run.service';
import { SandboxService } from './sandbox.service';

const SERVICES = [
  ActiveCatalogService,
  CustomerEvaluationService,
  ReconcilerService,
  RunQueryService,
  RunService,
];

// Evaluation, runs and the reconciler, used by the worker and the API alike.
@Module({ imports: [QueueModule], providers: SERVICES, exports: SERVICES })
export class PipelineModule {}

// Definition versions. Imported by the API only: its start-up activates the definitions folder.
@Module({
  imports: [PipelineModule],
  providers: [DefinitionService, SandboxService],
  exports: [DefinitionService, SandboxService],
})
export class DefinitionsModule {}
