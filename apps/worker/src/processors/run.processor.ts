import { Injectable } from '@nestjs/common';
import { RunService } from '@tagforge/pipeline';
import { JobHandler, JobName, type JobContext, type JobPayloads } from '@tagforge/queue';

@Injectable()
export class RunProcessor {
  constructor(private readonly runs: RunService) {}

  @JobHandler(JobName.PlanRun)
  plan(data: JobPayloads[JobName.PlanRun]) {
    return this.runs.plan(data.runId);
  }

  @JobHandler(JobName.RunChunk)
  chunk(data: JobPayloads[JobName.RunChunk], context: JobContext) {
    return this.runs.runChunkJob(data, context);
  }

  @JobHandler(JobName.FinishRun)
  finish(data: JobPayloads[JobName.FinishRun]) {
    return this.runs.finish(data.runId);
  }
}
