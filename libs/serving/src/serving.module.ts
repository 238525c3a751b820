import { Module } from '@nestjs/common';
import { AudienceService } from './audience.service';
import { AuditViewService } from './audit-view.service';
import { CustomerViewService } from './customer-view.service';
import { ModelStabilityService } from './model-stability.service';

@Module({
  providers: [AudienceService, AuditViewService, CustomerViewService, ModelStabilityService],
  exports: [AudienceService, AuditViewService, CustomerViewService, ModelStabilityService],
})
export class ServingModule {}
