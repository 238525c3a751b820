import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@tagforge/common';
import { dataSourceOptions } from './data-source';
import { ReadDataSource } from './read-replica';
import {
  ApiKeyRepository,
  AudienceRepository,
  AudienceSizeRepository,
  AuditLogRepository,
  CampaignRepository,
  CustomerTagRepository,
  DestinationRepository,
  EvaluationLockRepository,
  EvaluationRunRepository,
  HistoryPartitionRepository,
  InsightRepository,
  ModelStabilityRepository,
  ProfileRepository,
  SandboxRepository,
  TagDefinitionRepository,
} from './repositories';

const REPOSITORIES = [
  ApiKeyRepository,
  AudienceRepository,
  AudienceSizeRepository,
  AuditLogRepository,
  CampaignRepository,
  CustomerTagRepository,
  DestinationRepository,
  EvaluationLockRepository,
  EvaluationRunRepository,
  HistoryPartitionRepository,
  InsightRepository,
  ModelStabilityRepository,
  ProfileRepository,
  SandboxRepository,
  TagDefinitionRepository,
];

// The primary DataSource (DATABASE_URL) and, through ReadDataSource, an optional read replica
// (DATABASE_READ_URL); repositories own all SQL.
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions({
          url: config.DATABASE_URL,
          poolSize: config.DB_POOL_SIZE,
          statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
        }),
        // Fail start-up after a few attempts with a clear message instead of retrying forever.
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [ReadDataSource, ...REPOSITORIES],
  exports: [ReadDataSource, ...REPOSITORIES],
})
export class PersistenceModule {}
