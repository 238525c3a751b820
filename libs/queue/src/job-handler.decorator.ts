import { SetMetadata } from '@nestjs/common';
import type { JobName, JobPayloads } from './job-catalog';

export const JOB_HANDLER = 'tagforge:job-handler';

// finalAttempt: this attempt failing fails the job for good (no retry follows).
export interface JobContext {
  finalAttempt: boolean;
}

// What the worker calls for a job of this name.
export type JobHandlerFunction<Name extends JobName> = (
  data: JobPayloads[Name],
  context: JobContext,
) => Promise<unknown>;

// A handler takes its job's payload exactly (or nothing, for jobs whose payload is empty): a wider
// parameter would accept another job's payload that happens to fit, a narrower one would not compile
// against the producer's type anyway.
type TakesPayloadOf<Name extends JobName, Method> = Method extends (...args: infer Args) => unknown
  ? Args extends []
    ? true
    : [Args[0]] extends [JobPayloads[Name]]
      ? [JobPayloads[Name]] extends [Args[0]]
        ? true
        : false
      : false
  : false;

// Marks the one method that processes a job, checked by the compiler against the job catalog: the
// method must take the job's payload type (and may take the JobContext second). The worker refuses
// to start when a job has no handler or two.
export function JobHandler<Name extends JobName>(name: Name) {
  return <Method extends JobHandlerFunction<Name>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<Method> &
      (TakesPayloadOf<Name, Method> extends true
        ? unknown
        : { 'the handler must take the payload of its job': JobPayloads[Name] }),
  ): void => {
    SetMetadata(JOB_HANDLER, name)(target, key, descriptor);
  };
}
