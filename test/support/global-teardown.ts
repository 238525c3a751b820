import { TEMPLATE_DATABASE, dropDatabase } from './test-database';

export default async function globalTeardown(): Promise<void> {
  await dropDatabase(TEMPLATE_DATABASE);
}
