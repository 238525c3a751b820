import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Pool } from 'pg';
import { CLOCK_TICKS_PER_SECOND, processCpuSeconds, type ServiceProcess } from './pipeline-processes';

export interface CpuSnapshot {
  at: number;
  services: (number | null)[];
  bench: number;
  backends: Map<number, number>;
  machine: number | null;
}

export interface CpuUse {
  wallSeconds: number;
  // one entry per service, in the order given to the meter
  services: (number | null)[];
  // this process: autocannon or the SQL loop
  bench: number;
  postgres: number;
  // every process on the machine (other engineers' too), in core-seconds
  machine: number | null;
  loadAverage: number;
}

// CPU used during a phase by the services, this process and the Postgres backends of the bench
// database: on a 2-core machine the question is less "how fast" than "who used the cores".
export class CpuMeter {
  constructor(
    private readonly services: readonly ServiceProcess[],
    private readonly db: Pool,
  ) {}

  async snapshot(): Promise<CpuSnapshot> {
    const { rows } = await this.db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
    );
    const backends = new Map<number, number>();
    for (const { pid } of rows) {
      const seconds = processCpuSeconds(pid);
      if (seconds !== null) backends.set(pid, seconds);
    }
    const own = process.cpuUsage();
    return {
      at: performance.now(),
      services: this.services.map((service) => service.cpuSeconds()),
      bench: (own.user + own.system) / 1e6,
      backends,
      machine: machineBusySeconds(),
    };
  }

  // Backends that closed during the phase are missed; every pool here keeps its connections open.
  static use(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
    let postgres = 0;
    for (const [pid, seconds] of after.backends) postgres += seconds - (before.backends.get(pid) ?? 0);
    return {
      wallSeconds: (after.at - before.at) / 1000,
      services: after.services.map((seconds, index) => {
        const earlier = before.services[index];
        return seconds === null || earlier === null ? null : seconds - earlier;
      }),
      bench: after.bench - before.bench,
      postgres,
      machine: after.machine === null || before.machine === null ? null : after.machine - before.machine,
      loadAverage: loadavg()[0],
    };
  }
}

export function describeCpu(use: CpuUse, names: readonly string[], benchName: string): string {
  const cores = (seconds: number) =>
    `${seconds.toFixed(1)} s (${(seconds / use.wallSeconds).toFixed(2)} cores)`;
  const parts = use.services.map(
    (seconds, index) => `${names[index]} ${seconds === null ? 'n/a' : cores(seconds)}`,
  );
  return (
    `cpu over ${use.wallSeconds.toFixed(1)} s: ${[...parts, `${benchName} ${cores(use.bench)}`, `postgres ${cores(use.postgres)}`].join(', ')}` +
    `; whole machine ${use.machine === null ? 'n/a' : cores(use.machine)}, load average ${use.loadAverage.toFixed(1)}`
  );
}

// Busy time of all cores so far (user, nice, system, irq, softirq, steal), from /proc/stat.
function machineBusySeconds(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
