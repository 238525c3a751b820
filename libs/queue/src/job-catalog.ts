// Every job Tagforge runs: its name, the queue it travels on and its payload. Payloads carry ids
// only — BullMQ keeps them in clear text in Redis, so never a profile, a value or a key.
export enum QueueName {
  Evaluation = 'evaluation',
  Runs = 'runs',
  Maintenance = 'maintenance',
  Delivery = 'delivery',
}

export enum JobName {
  EvaluateCustomer = 'evaluate-customer',
  PlanRun = 'plan-run',
  RunChunk = 'run-chunk',
  FinishRun = 'finish-run',
  Reconcile = 'reconcile',
  ScheduleTimeDependent = 'schedule-time-dependent',
  MaintainHistoryPartitions = 'maintain-history-partitions',
  CompactAudienceSizes = 'compact-audience-sizes',
  DeliverDestination = 'deliver-destination',
}

export interface JobPayloads {
  [JobName.EvaluateCustomer]: { customerId: string };
  // Splits a run's customers into keyset chunks and starts them as one flow.
  [JobName.PlanRun]: { runId: string };
  // Customers with afterCustomerId < id <= lastCustomerId (afterCustomerId null: from the start).
  // plannedAt: the planning that enqueued it (a re-planned run gets new chunk jobs, see job-options).
  [JobName.RunChunk]: {
    runId: string;
    chunk: number;
    afterCustomerId: string | null;
    lastCustomerId: string;
    plannedAt: number;
  };
  // The flow's parent: runs once every chunk has finished. A re-planned run gets a new parent.
  [JobName.FinishRun]: { runId: string; plannedAt: number };
  [JobName.Reconcile]: Record<string, never>;
  [JobName.ScheduleTimeDependent]: Record<string, never>;
  [JobName.MaintainHistoryPartitions]: Record<string, never>;
  // Folds the size rollup's appended rows (audience_size_delta) together.
  [JobName.CompactAudienceSizes]: Record<string, never>;
  // Sends what a destination has not received yet, from its cursor in Postgres; one at a time each.
  [JobName.DeliverDestination]: { destinationId: string };
}

export const QUEUE_OF_JOB: { readonly [Name in JobName]: QueueName } = {
  [JobName.EvaluateCustomer]: QueueName.Evaluation,
  [JobName.PlanRun]: QueueName.Runs,
  [JobName.RunChunk]: QueueName.Runs,
  [JobName.FinishRun]: QueueName.Runs,
  [JobName.Reconcile]: QueueName.Maintenance,
  [JobName.ScheduleTimeDependent]: QueueName.Maintenance,
  [JobName.MaintainHistoryPartitions]: QueueName.Maintenance,
  [JobName.CompactAudienceSizes]: QueueName.Maintenance,
  [JobName.DeliverDestination]: QueueName.Delivery,
};

export type JobItem = { [Name in JobName]: { name: Name; data: JobPayloads[Name] } }[JobName];
