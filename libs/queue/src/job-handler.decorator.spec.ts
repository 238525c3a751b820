import { Reflector } from '@nestjs/core';
import { JobName, type JobPayloads } from './job-catalog';
import { JOB_HANDLER, JobHandler, type JobContext } from './job-handler.decorator';

class Handlers {
  @JobHandler(JobName.EvaluateCustomer)
  evaluate(data: JobPayloads[JobName.EvaluateCustomer]) {
    return Promise.resolve(data.customerId);
  }

  @JobHandler(JobName.RunChunk)
  chunk(data: JobPayloads[JobName.RunChunk], context: JobContext) {
    return Promise.resolve(context.finalAttempt ? data.chunk : -1);
  }

  @JobHandler(JobName.Reconcile)
  reconcile() {
    return Promise.resolve('reconciled');
  }

  // @ts-expect-error a handler of evaluate-customer must take its payload, not a run chunk's
  @JobHandler(JobName.EvaluateCustomer)
  wrongPayload(data: JobPayloads[JobName.RunChunk]) {
    return Promise.resolve(data.runId);
  }

  // @ts-expect-error a wider parameter would take another job's payload that happens to fit
  @JobHandler(JobName.FinishRun)
  widerPayload(data: { runId: string }) {
    return Promise.resolve(data.runId);
  }

  // @ts-expect-error the second parameter is the JobContext
  @JobHandler(JobName.PlanRun)
  wrongContext(data: JobPayloads[JobName.PlanRun], context: string) {
    return Promise.resolve(`${data.runId}${context}`);
  }

  // @ts-expect-error handlers are asynchronous
  @JobHandler(JobName.DeliverDestination)
  synchronous(data: JobPayloads[JobName.DeliverDestination]) {
    return data.destinationId;
  }
}

describe('@JobHandler', () => {
  it('records the job name on the method, which the worker dispatches by', () => {
    const reflector = new Reflector();
    const names = (['evaluate', 'chunk', 'reconcile'] as const).map((method) =>
      reflector.get<JobName>(JOB_HANDLER, Handlers.prototype[method]),
    );
    expect(names).toEqual([JobName.EvaluateCustomer, JobName.RunChunk, JobName.Reconcile]);
  });
});
