import { Module } from '@nestjs/common';
import { AudienceService } from './audience.service';
import { AuditViewService } from './audit-view.service';
import { CampaignService } from './campaign.service';
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
    CustomerViewService,
    ModelStabilityService,
    OutcomeComparisonService,
    ServedProfileSchema,
  ],
})
export class ServingModule {}
