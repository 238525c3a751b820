import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Command } from 'commander';
import { ApiKeyService, AuthModule } from '@tagforge/auth';
import { ConfigModule } from '@tagforge/common';
import { PersistenceModule } from '@tagforge/persistence';

@Module({ imports: [ConfigModule, PersistenceModule, AuthModule] })
class KeysModule {}

async function withKeys<T>(work: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  const context = await NestFactory.createApplicationContext(KeysModule, { logger: ['error'] });
  try {
    return await work(context.get(ApiKeyService));
  } finally {
    await context.close();
  }
}

export function register(program: Command): void {
  const keys = program.command('keys').description('manage API keys (needs the database)');
  keys
    .command('create')
    .requiredOption('--name <name>', 'who or what uses the key')
    .requiredOption(
      '--scopes <scopes>',
      'comma-separated: profiles:write,profiles:read,tags:read,segments:read,definitions:write,bureau:read,admin',
    )
    .option('--expires-at <iso>', 'expiry instant (ISO 8601)')
    .action(async (options: { name: string; scopes: string; expiresAt?: string }) => {
      const expiresAt = options.expiresAt ? new Date(options.expiresAt) : null;
      if (expiresAt && Number.isNaN(expiresAt.getTime()))
        throw new Error('--expires-at must be an ISO 8601 instant');
      const created = await withKeys((service) =>
        service.create(
          { name: options.name, scopes: options.scopes.split(',').map((s) => s.trim()), expiresAt },
          null,
        ),
      );
      // The key itself is printed once, alone on stdout, so scripts can capture it.
      process.stderr.write(
        `created key ${created.id} (${created.name}: ${created.scopes.join(',')}); store it now, it is not shown again\n`,
      );
      process.stdout.write(`${created.key}\n`);
    });
  keys.command('list').action(async () => {
    const rows = await withKeys((service) => service.list());
    for (const row of rows) {
      const state = row.revokedAt
        ? 'revoked'
        : row.expiresAt && row.expiresAt <= new Date()
          ? 'expired'
          : 'active';
      process.stdout.write(
        `${row.id}\t${state}\t${row.name}\t${row.scopes.join(',')}\t${row.createdAt.toISOString()}\n`,
      );
    }
  });
  keys.command('revoke <id>').action(async (id: string) => {
    const revoked = await withKeys((service) => service.revoke(id, null));
    process.stdout.write(`revoked ${revoked.id} (${revoked.name})\n`);
  });
}
