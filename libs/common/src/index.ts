export * from './config';
export * from './config.module';
export * from './errors';
export * from './customer-id';
export * from './logging';
export * from './storable-json';
export * from './query-limit';
export * from './shutdown';
