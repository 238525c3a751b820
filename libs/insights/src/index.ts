// Audience insights: pure computations (sizes over time, overlap, composition and TGI, bins, drift,
// ad-hoc rules) and the service that feeds them from the repositories.
export * from './ad-hoc';
export * from './audience-text';
export * from './bins';
export * from './composition';
export * from './drift';
export * from './overlap';
export * from './size-series';
export * from './insights.service';
export * from './insights.module';
