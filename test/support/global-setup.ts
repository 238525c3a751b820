import { migrate } from '../../libs/persistence/src/migrator';

// Migrate once into a template; every integration test file clones its own database from it.
export default async function globalSetup(): Promise<void> {
  // Set before test-database is loaded, so the workers (which inherit the environment) agree on it.
  process.env.TAGFORGE_TEST_RUN ??= String(process.pid);
  const { TEMPLATE_DATABASE, databaseUrl, dropStaleTestDatabases, recreateDatabase } =
    await import('./test-database');
  await dropStaleTestDatabases();
  await recreateDatabase(TEMPLATE_DATABASE);
  await migrate(databaseUrl(TEMPLATE_DATABASE));
}
