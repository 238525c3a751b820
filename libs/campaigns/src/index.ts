export * from './campaign-report';
export * from './holdout-split';
export * from './outcome-line';
export * from './proportions';
