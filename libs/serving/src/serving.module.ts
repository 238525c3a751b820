import { Module } from '@nestjs/common';
import { AudienceService } from './audience.service';
import { AuditViewService } from './audit-view.service';
import { CampaignService } from './campaign.service';
import { CustomerHistoryRepository } from './customer-history.repository';
import { CustomerLookupRepository } from './customer-lookup.repository';
import { CustomerTagsService } from './customer-tags.service';
import { CustomerViewService } from './customer-view.service';
import { ExportColumns } from './export-columns';
import { ModelStabilityService } from './model-stability.service';
import { OutcomeComparisonService } from './outcome-comparison.service';
import { ServedProfileSchema } from './served-profile-schema';

@Module({
  providers: [
    AudienceService,
    AuditViewService,
    CampaignService,
    CustomerHistoryRepository,
    CustomerLookupRepository,
    CustomerTagsService,
    CustomerViewService,
    ExportColumns,
    ModelStabilityService,
    OutcomeComparisonService,
    ServedProfileSchema,
  ],
  exports: [
    AudienceService,
    AuditViewService,
    CampaignService,
    CustomerTagsService,
    CustomerViewService,
    ModelStabilityService,
    OutcomeComparisonService,
    ServedProfileSchema,
  ],
})
export class ServingModule {}
