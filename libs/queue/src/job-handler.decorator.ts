import { SetMetadata } from '@nestjs/common';
import type { JobName, JobPayloads } from './job-catalog';

export const JOB_HANDLER = 'tagforge:job-handler';

// Marks the one method that processes a job; the worker refuses to start when a job has no
// handler or two.
export const JobHandler = (name: JobName) => SetMetadata(JOB_HANDLER, name);

export type JobHandlerFunction<Name extends JobName> = (data: JobPayloads[Name]) => Promise<unknown>;
