import { Module } from '@nestjs/common';
import { AudienceService } from './audience.service';
import { AuditViewService } from './audit-view.service';
import { CustomerViewService } from './customer-view.service';
import { ExportColumns } from './export-columns';
import { ModelStabilityService } from './model-stability.service';
import { ServedProfileSchema } from './served-profile-schema';

@Module({
  providers: [
    AudienceService,
    AuditViewService,
    CustomerViewService,
    ExportColumns,
    ModelStabilityService,
    ServedProfileSchema,
  ],
  exports: [
    AudienceService,
    AuditViewService,
    CustomerViewService,
    ModelStabilityService,
    ServedProfileSchema,
  ],
})
export class ServingModule {}
