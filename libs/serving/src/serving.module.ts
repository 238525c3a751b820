import { Module } from '@nestjs/common';
import { AudienceService } from './audience.service';
import { AuditViewService } from './audit-view.service';
import { CustomerViewService } from './customer-view.service';

@Module({
  providers: [AudienceService, AuditViewService, CustomerViewService],
  exports: [AudienceService, AuditViewService, CustomerViewService],
})
export class ServingModule {}
