// Every job Tagforge runs: its name, the queue it travels on and its payload. Payloads carry ids
// only — BullMQ keeps them in clear text in Redis, so never a profile, a value or a key.
export enum QueueName {
  Evaluation = 'evaluation',
}

export enum JobName {
  EvaluateCustomer = 'evaluate-customer',
}

export interface JobPayloads {
  [JobName.EvaluateCustomer]: { customerId: string };
}

export const QUEUE_OF_JOB: { readonly [Name in JobName]: QueueName } = {
  [JobName.EvaluateCustomer]: QueueName.Evaluation,
};

export type JobItem = { [Name in JobName]: { name: Name; data: JobPayloads[Name] } }[JobName];
