export * from './active-catalog.service';
export * from './customer-evaluation.service';
export * from './customer-tags.service';
export * from './definition.service';
export * from './reconciler.service';
export * from './run-query.service';
export * from './run.service';
export * from './pipeline.module';
