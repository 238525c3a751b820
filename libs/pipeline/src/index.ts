export * from './active-catalog.service';
export * from './customer-evaluation.service';
export * from './pipeline.module';
export * from './definition-sync.service';
export * from './customer-tags.service';
