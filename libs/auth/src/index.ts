export * from './scopes';
export * from './api-key-format';
export * from './api-key.service';
export * from './auth.module';
