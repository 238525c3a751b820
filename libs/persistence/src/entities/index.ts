import { AudienceSizeDeltaEntity } from './audience-size-delta.entity';
import { ApiKeyEntity } from './api-key.entity';
import { AuditLogEntity } from './audit-log.entity';
import { CampaignEntity, CampaignMemberEntity, CampaignOutcomeEntity } from './campaign.entity';
import { CustomerProfileEntity } from './customer-profile.entity';
import { CustomerTagEntity } from './customer-tag.entity';
import { DefinitionChangeSetEntity } from './definition-change-set.entity';
import {
  DestinationCursorEntity,
  DestinationDeadLetterEntity,
  DestinationDeliveryEntity,
  DestinationEntity,
} from './destination.entity';
import { EvaluationRunChunkEntity } from './evaluation-run-chunk.entity';
import { EvaluationRunEntity } from './evaluation-run.entity';
import { SandboxResultEntity } from './sandbox-result.entity';
import { TagDefinitionEntity } from './tag-definition.entity';
import { TagHistoryEntity } from './tag-history.entity';

export * from './api-key.entity';
export * from './audience-size-delta.entity';
export * from './audit-log.entity';
export * from './campaign.entity';
export * from './customer-profile.entity';
export * from './customer-tag.entity';
export * from './definition-change-set.entity';
export * from './destination.entity';
export * from './evaluation-run-chunk.entity';
export * from './evaluation-run.entity';
export * from './sandbox-result.entity';
export * from './tag-definition.entity';
export * from './tag-history.entity';

export const ENTITIES = [
  ApiKeyEntity,
  AudienceSizeDeltaEntity,
  AuditLogEntity,
  CampaignEntity,
  CampaignMemberEntity,
  CampaignOutcomeEntity,
  CustomerProfileEntity,
  CustomerTagEntity,
  DefinitionChangeSetEntity,
  DestinationCursorEntity,
  DestinationDeadLetterEntity,
  DestinationDeliveryEntity,
  DestinationEntity,
  EvaluationRunChunkEntity,
  EvaluationRunEntity,
  SandboxResultEntity,
  TagDefinitionEntity,
  TagHistoryEntity,
];
