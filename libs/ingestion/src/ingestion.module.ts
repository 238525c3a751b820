import { Module } from '@nestjs/common';
import { QueueModule } from '@tagforge/queue';
import { ProfileIngestionService } from './profile-ingestion.service';
import { profileValidatorProvider } from './profile-schema.provider';

@Module({
  imports: [QueueModule],
  providers: [ProfileIngestionService, profileValidatorProvider],
  exports: [ProfileIngestionService],
})
export class IngestionModule {}
