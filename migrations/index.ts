import { InitialSchema1764331200000 } from './1764331200000-initial-schema';
import { EvaluationBookkeeping1764338400000 } from './1764338400000-evaluation-bookkeeping';
import { AudienceFeeds1764345600000 } from './1764345600000-audience-feeds';
import { Governance1764352800000 } from './1764352800000-governance';
import { Sandbox1764360000000 } from './1764360000000-sandbox';
import { TagDigest1764367200000 } from './1764367200000-tag-digest';
import { Trust1764400000000 } from './1764400000000-trust';
import { Destinations1764600000000 } from './1764600000000-destinations';
import { Insights1764610000000 } from './1764610000000-insights';
import { Campaigns1764620000000 } from './1764620000000-campaigns';
import { TagHistory1764630000000 } from './1764630000000-tag-history';
import { SizeRollupLastChange1764640000000 } from './1764640000000-size-rollup-last-change';

// Listed explicitly (not globbed) so the built app and the tests load exactly these, in order.
export const MIGRATIONS = [
  InitialSchema1764331200000,
  EvaluationBookkeeping1764338400000,
  AudienceFeeds1764345600000,
  Governance1764352800000,
  Sandbox1764360000000,
  TagDigest1764367200000,
  Trust1764400000000,
  Destinations1764600000000,
  Insights1764610000000,
  Campaigns1764620000000,
  TagHistory1764630000000,
  SizeRollupLastChange1764640000000,
];
