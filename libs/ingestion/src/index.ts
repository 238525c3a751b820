export * from './profile-ingestion.service';
export * from './profile-schema.provider';
export * from './ingestion.module';
