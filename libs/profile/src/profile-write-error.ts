export type ProfileWriteErrorCode = 'INVALID_AS_OF' | 'INVALID_DOCUMENT';

// A client mistake in a submitted profile or patch; the caller answers 422 with `pointer`.
export class ProfileWriteError extends Error {
  override readonly name = 'ProfileWriteError';

  constructor(
    readonly code: ProfileWriteErrorCode,
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}
