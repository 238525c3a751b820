import { DEFAULT_JOB_OPTIONS, jobAttempts } from './job-options';
import { JobName } from './job-catalog';

describe('jobAttempts', () => {
  it('gives delivery jobs one attempt (the next tick resumes them) and leaves the others the default', () => {
    expect(jobAttempts({ name: JobName.DeliverDestination, data: { destinationId: 'd' } })).toEqual({
      attempts: 1,
    });
    const evaluation = { name: JobName.EvaluateCustomer, data: { customerId: 'C1' } } as const;
    expect({ ...DEFAULT_JOB_OPTIONS, ...jobAttempts(evaluation) }.attempts).toBe(8);
  });
});
