import { Module } from '@nestjs/common';
import { AudienceService } from './audience.service';
import { CustomerViewService } from './customer-view.service';

@Module({
  providers: [AudienceService, CustomerViewService],
  exports: [AudienceService, CustomerViewService],
})
export class ServingModule {}
