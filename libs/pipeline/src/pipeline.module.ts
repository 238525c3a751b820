import { Module } from '@nestjs/common';
import { ActiveCatalogService } from './active-catalog.service';
import { CustomerEvaluationService } from './customer-evaluation.service';
import { CustomerTagsService } from './customer-tags.service';
import { DefinitionSyncService } from './definition-sync.service';

// DefinitionSyncModule (imported by the API) activates the folder's definitions at start-up; the
// worker only evaluates against whatever is active.
@Module({
  providers: [ActiveCatalogService, CustomerEvaluationService, CustomerTagsService],
  exports: [ActiveCatalogService, CustomerEvaluationService, CustomerTagsService],
})
export class PipelineModule {}

@Module({
  imports: [PipelineModule],
  providers: [DefinitionSyncService],
  exports: [DefinitionSyncService],
})
export class DefinitionSyncModule {}
