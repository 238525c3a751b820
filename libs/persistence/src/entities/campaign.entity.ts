import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('campaign')
export class CampaignEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, collation: 'C' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  // A segment or boolean tag id, or "*" for everyone with a profile.
  @Column({ type: 'varchar', length: 64, collation: 'C' })
  audience!: string;

  // The audience definition's version active at the freeze (null for "*").
  @Column({ name: 'audience_version', type: 'integer', nullable: true })
  audienceVersion!: number | null;

  @Column({ type: 'varchar', length: 16 })
  channel!: string;

  @Column({ name: 'holdout_percent', type: 'numeric', precision: 5, scale: 2 })
  holdoutPercent!: string;

  @Column({ type: 'varchar', length: 64, collation: 'C' })
  seed!: string;

  @Column({ name: 'frozen_at', type: 'timestamptz' })
  frozenAt!: Date;

  // The freeze statement's snapshot (pg_current_snapshot() as text): what it saw of tag values.
  @Column({ type: 'text' })
  snapshot!: string;

  @Column({ type: 'integer' })
  members!: number;

  @Column({ name: 'control_members', type: 'integer' })
  controlMembers!: number;

  @Column({ name: 'created_by', type: 'varchar', length: 128 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

@Entity('campaign_member')
// In customer order within a campaign: pages of a group, and merge joins with the outcomes and tags.
@Index('campaign_member_campaign_idx', ['campaignId', 'customerId', 'group'])
export class CampaignMemberEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', length: 64, collation: 'C' })
  customerId!: string;

  @PrimaryColumn({ name: 'campaign_id', type: 'varchar', length: 64, collation: 'C' })
  campaignId!: string;

  @Column({ name: 'group_name', type: 'varchar', length: 8 })
  group!: string;
}

@Entity('campaign_outcome')
@Index('campaign_outcome_campaign_idx', ['campaignId', 'customerId', 'outcome'])
export class CampaignOutcomeEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', length: 64, collation: 'C' })
  customerId!: string;

  @PrimaryColumn({ name: 'campaign_id', type: 'varchar', length: 64, collation: 'C' })
  campaignId!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  outcome!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'numeric', precision: 18, scale: 2, nullable: true })
  amount!: string | null;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' })
  recordedAt!: Date;
}
