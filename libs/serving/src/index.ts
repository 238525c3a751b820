export * from './audience.service';
export * from './audit-view.service';
export * from './customer-view.service';
export * from './model-stability.service';
export * from './query-params';
export * from './serving.module';
