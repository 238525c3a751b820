import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { cpuSeconds, freePort, runCommand, sleep, type ServiceProcess } from './child-process';
import { redisCommand, startRedisProcess, waitForPing } from './redis-process';
import { WORK_DIR } from './settings';

interface ClusterNode {
  port: number;
  busPort: number;
  process: ServiceProcess;
  restarts: number;
}

export interface ClusterNodeInfo {
  id: string;
  port: number;
  primary: boolean;
  // slot ranges served, primaries only
  slots: [number, number][];
  connected: boolean;
}

// A Redis Cluster of our own on loopback: three primaries with one replica each (or, with size 3,
// three primaries alone), as
// `redis-cli --cluster create --cluster-replicas 1` builds it, no persistence, and a node timeout of
// two seconds so a lost primary's replica takes over within a few seconds.
export class RedisCluster {
  private constructor(
    readonly name: string,
    private readonly nodes: ClusterNode[],
  ) {}

  static async start(name: string, size = 6): Promise<RedisCluster> {
    const nodes: ClusterNode[] = [];
    const cluster = new RedisCluster(name, nodes);
    try {
      for (let index = 0; index < size; index += 1) {
        const node: ClusterNode = {
          port: await freePort(),
          busPort: await freePort(),
          process: undefined as unknown as ServiceProcess,
          restarts: 0,
        };
        nodes.push(node);
        cluster.launch(node, index);
      }
      for (const node of nodes) await waitForPing(node.process, node.port);
      await runCommand(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((node) => `127.0.0.1:${node.port}`),
          '--cluster-replicas',
          size >= 6 ? '1' : '0',
          '--cluster-yes',
        ],
        { timeoutMs: 60_000 },
      );
      await cluster.waitUntilHealthy(60_000);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  // host:port seeds, as REDIS_CLUSTER_NODES takes them.
  get seeds(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  get pids(): (number | undefined)[] {
    return this.nodes.map((node) => node.process.pid);
  }

  cpuSeconds(): number {
    return this.nodes.reduce((sum, node) => sum + (cpuSeconds(node.process.pid) ?? 0), 0);
  }

  residentMegabytes(): number {
    return this.nodes.reduce((sum, node) => sum + (node.process.residentMegabytes() ?? 0), 0);
  }

  private launch(node: ClusterNode, index: number): void {
    const dir = join(WORK_DIR, `${this.name}-redis-cluster-${index}`);
    rmSync(dir, { recursive: true, force: true });
    node.process = startRedisProcess(
      `${this.name} redis cluster node ${index}`,
      node.port,
      dir,
      join(WORK_DIR, `${this.name}-redis-cluster-${index}-${node.restarts++}.log`),
      [
        '--cluster-port',
        String(node.busPort),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-node-timeout',
        '2000',
      ],
    );
  }

  // One short-lived connection per command, to one node (no cluster redirection).
  command<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
    return redisCommand(port, work);
  }

  private liveNodes(): ClusterNode[] {
    return this.nodes.filter((node) => node.process.running);
  }

  // The cluster as a live node sees it.
  async topology(): Promise<ClusterNodeInfo[]> {
    const [first] = this.liveNodes();
    const text = await this.command(
      first.port,
      (client) => client.call('CLUSTER', 'NODES') as Promise<string>,
    );
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const fields = line.split(' ');
        return {
          id: fields[0],
          port: Number(fields[1].split(':')[1].split('@')[0]),
          primary: fields[2].includes('master'),
          connected: fields[7] === 'connected' && !fields[2].includes('fail'),
          slots: fields
            .slice(8)
            .filter((range) => /^\d+(-\d+)?$/.test(range))
            .map((range) => {
              const [from, to] = range.split('-').map(Number);
              return [from, to ?? from] as [number, number];
            }),
        };
      });
  }

  async keySlot(key: string): Promise<number> {
    return this.command(
      this.liveNodes()[0].port,
      (client) => client.cluster('KEYSLOT', key) as Promise<number>,
    );
  }

  async primaryOfSlot(slot: number): Promise<ClusterNodeInfo> {
    const primary = (await this.topology()).find(
      (node) => node.primary && node.connected && node.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    if (!primary) throw new Error(`no live primary serves slot ${slot}`);
    return primary;
  }

  // Moves an empty slot to another primary (CLUSTER SETSLOT ... IMPORTING / MIGRATING / NODE), as
  // `redis-cli --cluster reshard` does for a slot without keys.
  async moveEmptySlot(slot: number, to: ClusterNodeInfo): Promise<void> {
    const from = await this.primaryOfSlot(slot);
    if (from.id === to.id) return;
    await this.command(to.port, (client) => client.cluster('SETSLOT', slot, 'IMPORTING', from.id));
    await this.command(from.port, (client) => client.cluster('SETSLOT', slot, 'MIGRATING', to.id));
    await this.command(to.port, (client) => client.cluster('SETSLOT', slot, 'NODE', to.id));
    await this.command(from.port, (client) => client.cluster('SETSLOT', slot, 'NODE', to.id));
    await this.waitUntil(60_000, async () => (await this.primaryOfSlot(slot)).id === to.id);
    await this.waitUntilHealthy(60_000);
  }

  // SIGKILL of a primary (as DEBUG SEGFAULT would): its replica must be promoted by the others.
  async killNode(port: number): Promise<void> {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no cluster node on port ${port}`);
    await node.process.kill('SIGKILL');
  }

  // Every slot served by a live primary, as every live node sees it.
  async waitUntilHealthy(timeoutMs: number): Promise<void> {
    await this.waitUntil(timeoutMs, async () => {
      for (const node of this.liveNodes()) {
        const info = await this.command(node.port, (client) => client.cluster('INFO') as Promise<string>);
        if (!info.includes('cluster_state:ok')) return false;
      }
      const served = (await this.topology())
        .filter((node) => node.primary && node.connected)
        .reduce((sum, node) => sum + node.slots.reduce((n, [from, to]) => n + to - from + 1, 0), 0);
      return served === 16384;
    });
  }

  private async waitUntil(timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (await probe()) return;
      } catch {
        // a node is starting, or just failed: ask again
      }
      if (Date.now() > deadline)
        throw new Error(`${this.name} redis cluster not healthy within ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((node) => node.process?.stop(5000)));
  }
}
