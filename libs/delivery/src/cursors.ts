import { cursorCodec } from '@tagforge/common';

// Keyset positions of the deliveries log and the dead letters (ids, newest first).
export const DELIVERIES_CURSOR = cursorCodec<string>(
  1,
  (id) => [id],
  ([id]) => (/^\d{1,18}$/.test(id) ? id : undefined),
);
