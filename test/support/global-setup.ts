import { migrate } from '../../libs/persistence/src/migrator';
import { TEMPLATE_DATABASE, databaseUrl, dropStaleTestDatabases, recreateDatabase } from './test-database';

// Migrate once into a template; every integration test file clones its own database from it.
export default async function globalSetup(): Promise<void> {
  await dropStaleTestDatabases();
  await recreateDatabase(TEMPLATE_DATABASE);
  await migrate(databaseUrl(TEMPLATE_DATABASE));
}
