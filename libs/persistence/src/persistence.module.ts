import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@tagforge/common';
import { dataSourceOptions } from './data-source';
import {
  ApiKeyRepository,
  AudienceRepository,
  AuditLogRepository,
  CustomerTagRepository,
  DestinationRepository,
  EvaluationRunRepository,
  HistoryPartitionRepository,
  ModelStabilityRepository,
  ProfileRepository,
  SandboxRepository,
  TagDefinitionRepository,
} from './repositories';

const REPOSITORIES = [
  ApiKeyRepository,
  AudienceRepository,
  AuditLogRepository,
  CustomerTagRepository,
  DestinationRepository,
  EvaluationRunRepository,
  HistoryPartitionRepository,
  ModelStabilityRepository,
  ProfileRepository,
  SandboxRepository,
  TagDefinitionRepository,
];

// One DataSource per process, configured from AppConfig; repositories own all SQL.
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
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class PersistenceModule {}
