export * from './job-catalog';
export * from './job-options';
export * from './redis-connection';
export * from './queue-producer.service';
export * from './queue.module';
export * from './job-handler.decorator';
