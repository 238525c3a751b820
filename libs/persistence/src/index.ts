export * from './entities';
export * from './data-source';
export * from './read-replica';
export * from './migrator';
export * from './repositories';
export * from './persistence.module';
export * from './prepared-statement';
