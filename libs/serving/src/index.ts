export * from './audience.service';
export * from './audit-view.service';
export * from './cursors';
export * from './customer-view.service';
export * from './export-columns';
export * from './served-profile-schema';
export * from './serving.module';
export * from './explanation-text';
