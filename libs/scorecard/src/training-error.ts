export type TrainingErrorCode =
  'class_too_small' | 'holdout_class_empty' | 'no_features' | 'no_usable_features';

/** A training that cannot go on; the command prints the message and writes nothing. */
export class TrainingError extends Error {
  constructor(
    readonly code: TrainingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TrainingError';
  }
}
