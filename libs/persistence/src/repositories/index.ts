export * from './api-key.repository';
export * from './audience.repository';
export * from './audit-log.repository';
export * from './profile.repository';
export * from './tag-definition.repository';
export * from './customer-tag.repository';
export * from './evaluation-run.repository';
export * from './history-partition.repository';
