import { Counter } from 'prom-client';

// Registered once per process in prom-client's default registry, which /metrics serves.
export const profileWritesTotal = new Counter({
  name: 'tagforge_profile_writes_total',
  help: 'Profile writes by mode and outcome',
  labelNames: ['mode', 'outcome'] as const,
});

export const staleSectionsTotal = new Counter({
  name: 'tagforge_profile_stale_sections_total',
  help: 'Section writes ignored because the stored data is newer (asOf)',
});

export const enqueueFailuresTotal = new Counter({
  name: 'tagforge_enqueue_failures_total',
  help: 'Evaluations not enqueued after a committed write (the reconciler picks them up)',
});
