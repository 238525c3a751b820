export default async function globalTeardown(): Promise<void> {
  const { TEMPLATE_DATABASE, dropDatabase } = await import('./test-database');
  await dropDatabase(TEMPLATE_DATABASE);
}
