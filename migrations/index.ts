import { InitialSchema1764331200000 } from './1764331200000-initial-schema';

// Listed explicitly (not globbed) so the built app and the tests load exactly these, in order.
export const MIGRATIONS = [InitialSchema1764331200000];
