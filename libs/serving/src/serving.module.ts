import { Module } from '@nestjs/common';
import { AudienceService } from './audience.service';
import { AuditViewService } from './audit-view.service';
import { CustomerViewService } from './customer-view.service';
import { ExportColumns } from './export-columns';
import { ServedProfileSchema } from './served-profile-schema';

@Module({
  providers: [AudienceService, AuditViewService, CustomerViewService, ExportColumns, ServedProfileSchema],
  exports: [AudienceService, AuditViewService, CustomerViewService, ServedProfileSchema],
})
export class ServingModule {}
