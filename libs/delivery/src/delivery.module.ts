import { Module } from '@nestjs/common';
import { ServingModule } from '@tagforge/serving';
import { DeliveryService } from './delivery.service';
import { DestinationService } from './destination.service';

@Module({
  imports: [ServingModule],
  providers: [DestinationService, DeliveryService],
  exports: [DestinationService, DeliveryService],
})
export class DeliveryModule {}
