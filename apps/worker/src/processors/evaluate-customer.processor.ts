import { Injectable } from '@nestjs/common';
import { CustomerEvaluationService } from '@tagforge/pipeline';
import { JobHandler, JobName, type JobPayloads } from '@tagforge/queue';

@Injectable()
export class EvaluateCustomerProcessor {
  constructor(private readonly evaluation: CustomerEvaluationService) {}

  @JobHandler(JobName.EvaluateCustomer)
  handle(data: JobPayloads[JobName.EvaluateCustomer]) {
    return this.evaluation.evaluate(data.customerId);
  }
}
