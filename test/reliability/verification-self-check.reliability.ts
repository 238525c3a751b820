import { Deployment } from './support/deployment';
import { WriteTally, customerIdOf, loadInBatches, profileLine } from './support/load';
import { announce } from './support/scenario-kit';
import { checkFinalState, reportScenario, waitForConvergence } from './support/verification';

const SCENARIO = 'verification-self-check';
const CUSTOMERS = 50;

// The checks every scenario ends with must see a wrong state when there is one: a converged system
// passes, then four planted faults are each found (a tampered tag, a duplicated history row, a write
// never evaluated, an evaluation marked done on an older profile).
describe(SCENARIO, () => {
  let deployment: Deployment | undefined;

  afterAll(async () => {
    await deployment?.close();
  });

  test('the final-state check passes a converged system and finds planted faults', async () => {
    announce(SCENARIO, `${CUSTOMERS} customers, then four planted faults`);
    deployment = await Deployment.create(SCENARIO);
    const system = deployment;
    const api = await system.startApi();
    await system.startWorker();
    const tally = new WriteTally();
    const profiles = Array.from({ length: CUSTOMERS }, (_, index) => profileLine(9, index));
    await loadInBatches(api.http, profiles, { batchSize: 1000, concurrency: 1, tally });
    expect((await waitForConvergence(system, 120_000)).converged).toBe(true);
    const clean = await checkFinalState(system, { label: `${SCENARIO}-clean` });
    expect(clean.mismatches).toBe(0);
    expect(clean.historyRows).toBeGreaterThan(0);

    // Planted behind the services' backs, so the worker has nothing to repair: stop it first.
    await system.workers[0].process.stop();
    const [tampered, duplicated, unevaluated, stale] = [0, 1, 2, 3].map(customerIdOf);
    await system.db.query(
      `UPDATE customer_tag SET value = '"tampered"'
        WHERE (customer_id, tag_id) = (SELECT customer_id, tag_id FROM customer_tag WHERE customer_id = $1 LIMIT 1)`,
      [tampered],
    );
    await system.db.query(
      `INSERT INTO tag_event (customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause, run_id)
       SELECT customer_id, tag_id, old_value, new_value, tag_version, profile_version, cause, run_id
         FROM tag_event WHERE customer_id = $1 ORDER BY seq LIMIT 1`,
      [duplicated],
    );
    await system.db.query(`UPDATE customer_profile SET version = version + 1 WHERE customer_id = $1`, [
      unevaluated,
    ]);
    await system.db.query(`UPDATE customer_profile SET profile = $2::jsonb WHERE customer_id = $1`, [
      stale,
      JSON.stringify(profileLine(10, 3).profile),
    ]);
    const planted = await checkFinalState(system, { label: `${SCENARIO}-planted` });
    reportScenario(SCENARIO, tally.accepted, planted, {
      planted: 'four faults; the check must find four customers',
    });

    expect(planted.mismatches).toBe(4);
    expect(planted.tagMismatches).toBe(2);
    expect(planted.historyMismatches).toBe(2);
    expect(planted.notEvaluated).toBe(1);
    expect(planted.examples.join('\n')).toContain(tampered);
  });
});
