import { Module } from '@nestjs/common';
import { ServingModule } from '@tagforge/serving';
import { InsightsService } from './insights.service';

@Module({
  imports: [ServingModule],
  providers: [InsightsService],
  exports: [InsightsService],
})
export class InsightsModule {}
