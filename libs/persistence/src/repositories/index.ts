export * from './api-key.repository';
export * from './audit-log.repository';
export * from './profile.repository';
