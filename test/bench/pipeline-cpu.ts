import { loadavg } from 'node:os';
import type { Client } from 'pg';
import { processCpuSeconds, type ServiceProcess } from './pipeline-processes';

// CPU used by the API, the worker and Postgres during a phase: on a shared 2-core machine, CPU
// seconds per customer or per write say more than wall time alone.

const SAMPLE_EVERY_MS = 1000;

export interface CpuUse {
  wallSeconds: number;
  // one entry per service, in the order given to the meter
  services: (number | null)[];
  // backends connected to the bench database (pools open and close connections, so they are
  // sampled every second: a backend that lives less than a second is missed)
  backends: number;
  // checkpointer, background writer, WAL writer, autovacuum launcher: shared by every database
  // of the server, but during a bulk run almost all their work is the run's
  background: number;
  loadAverage: number;
}

export class CpuMeter {
  constructor(
    private readonly services: readonly ServiceProcess[],
    private readonly db: Client,
  ) {}

  async start(): Promise<CpuPhase> {
    const phase = new CpuPhase(
      this.services,
      this.services.map((service) => service.cpuSeconds()),
      async () =>
        (
          await this.db.query(
            `SELECT pid, datname = current_database() AS ours FROM pg_stat_activity
              WHERE datname = current_database() OR datname IS NULL`,
          )
        ).rows as { pid: number; ours: boolean }[],
    );
    await phase.sample();
    phase.startSampling();
    return phase;
  }
}

export class CpuPhase {
  private readonly startedAt = performance.now();
  // pid -> CPU seconds at first and last sight
  private readonly seen = new Map<number, { first: number; last: number; ours: boolean }>();
  private sampled = true;
  private timer?: NodeJS.Timeout;
  private sampling = Promise.resolve();

  constructor(
    private readonly services: readonly ServiceProcess[],
    private readonly servicesAtStart: (number | null)[],
    private readonly listBackends: () => Promise<{ pid: number; ours: boolean }[]>,
  ) {}

  async sample(): Promise<void> {
    const backends = await this.listBackends();
    for (const { pid, ours } of backends) {
      const seconds = processCpuSeconds(pid);
      if (seconds === null) continue;
      const entry = this.seen.get(pid);
      // A backend first seen after the start began during the phase: count all its CPU.
      if (entry) entry.last = seconds;
      else this.seen.set(pid, { first: this.sampled ? seconds : 0, last: seconds, ours });
    }
  }

  startSampling(): void {
    this.sampled = false;
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample()).catch(() => undefined);
    }, SAMPLE_EVERY_MS);
  }

  async stop(): Promise<CpuUse> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    let backends = 0;
    let background = 0;
    for (const { first, last, ours } of this.seen.values()) {
      if (ours) backends += last - first;
      else background += last - first;
    }
    return {
      wallSeconds: (performance.now() - this.startedAt) / 1000,
      services: this.services.map((service, index) => {
        const now = service.cpuSeconds();
        const earlier = this.servicesAtStart[index];
        return now === null || earlier === null ? null : now - earlier;
      }),
      backends,
      background,
      loadAverage: loadavg()[0],
    };
  }
}

export function describeCpu(use: CpuUse, names: readonly string[]): string {
  const parts = use.services.map(
    (seconds, index) => `${names[index]} ${seconds === null ? 'n/a' : seconds.toFixed(1)} s`,
  );
  return (
    `cpu over ${use.wallSeconds.toFixed(1)} s wall: ${parts.join(', ')}, postgres backends ${use.backends.toFixed(1)} s ` +
    `+ background ${use.background.toFixed(1)} s; 1-min load average ${use.loadAverage.toFixed(1)}`
  );
}
