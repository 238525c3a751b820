import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { mapError } from './error-body';

describe('mapError', () => {
  it.each([
    [
      'a session terminated by a shutdown',
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
    ],
    ['a refused connection', new Error('connect ECONNREFUSED 127.0.0.1:5432')],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect')],
    ['a transaction whose connection died between statements', new QueryRunnerProviderAlreadyReleasedError()],
    ['a released query runner', new QueryRunnerAlreadyReleasedError()],
  ])('answers 503 for %s', (_case, error) => {
    const mapped = mapError(error);
    expect(mapped).toMatchObject({ status: 503, unexpected: false });
    expect(mapped.body.error.code).toBe('SERVICE_UNAVAILABLE');
  });

  it('answers 500, marked unexpected, for any other error', () => {
    expect(mapError(new TypeError('x is undefined'))).toMatchObject({
      status: 500,
      unexpected: true,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
    });
  });
});
