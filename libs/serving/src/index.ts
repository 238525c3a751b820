export * from './audience.service';
export * from './audit-view.service';
export * from './customer-view.service';
export * from './query-params';
export * from './serving.module';
