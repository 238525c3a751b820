import { migrate } from '../../libs/persistence/src/migrator';
import { TEMPLATE_DATABASE, databaseUrl, dropStaleTestDatabases, recreateDatabase } from './test-database';

// Migrate once into a template; every integration test file clones its own database from it.
export default async function globalSetup(): Promise<void> {
  // The test workers inherit this, so they name the same run (test-database defaults to this pid).
  process.env.TAGFORGE_TEST_RUN ??= String(process.pid);
  await dropStaleTestDatabases();
  await recreateDatabase(TEMPLATE_DATABASE, process.env.TEST_DATABASE_LOCALE);
  await migrate(databaseUrl(TEMPLATE_DATABASE));
}
