import { Deployment } from '../../reliability/support/deployment';
import { runCommand } from '../../reliability/support/child-process';
import { BOOTSTRAP_KEY, CLI_ENTRY } from '../../reliability/support/settings';

export const DEMO_CUSTOMERS = Number(process.env.CONSOLE_CUSTOMERS ?? 1000);

export interface ConsoleKeys {
  admin: string;
  maker: string;
  checker: string;
  agent: string;
  marketing: string;
}

// The system the console runs against: API + worker from dist/, their own database and Redis, a
// demo population loaded by `tagctl demo`, and keys for each person of the journey.
export async function startConsoleDeployment(): Promise<{ deployment: Deployment; keys: ConsoleKeys }> {
  const deployment = await Deployment.create('console');
  try {
    const api = await deployment.startApi({ RATE_LIMIT_PER_SECOND: '100000' });
    await deployment.startWorker();
    await runCommand(
      process.execPath,
      [CLI_ENTRY, 'demo', '--api', api.url, '--key', BOOTSTRAP_KEY, '--customers', String(DEMO_CUSTOMERS)],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeoutMs: 300_000 },
    );
    const key = async (name: string, scopes: string) =>
      (
        await runCommand(
          process.execPath,
          [CLI_ENTRY, 'keys', 'create', '--name', name, '--scopes', scopes],
          {
            env: {
              PATH: process.env.PATH,
              HOME: process.env.HOME,
              DATABASE_URL: deployment.database.url,
              LOG_LEVEL: 'warn',
            },
            timeoutMs: 60_000,
          },
        )
      ).stdout.trim();
    const keys = {
      admin: BOOTSTRAP_KEY,
      maker: await key('risk-analyst', 'tags:read,segments:read,definitions:write,profiles:read,bureau:read'),
      checker: await key('risk-lead', 'tags:read,segments:read,definitions:write'),
      agent: await key('call-centre', 'tags:read,profiles:read'),
      // Reads trends, overlaps and breakdowns, runs campaigns and records their outcomes.
      marketing: await key(
        'marketing-manager',
        'tags:read,segments:read,insights:read,campaigns:write,profiles:write',
      ),
    };
    return { deployment, keys };
  } catch (error) {
    await deployment.close();
    throw error;
  }
}
