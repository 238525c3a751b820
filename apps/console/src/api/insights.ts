import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, unwrap } from './client';
import { saveFromLink } from './queries';
import type { NewCampaign } from './types';

// The insight routes (docs/insights.md) and the campaigns (apps/api/src/campaigns). Sizes, overlaps,
// breakdowns and distributions are read from rollups: cheap enough to refetch when a screen opens.
export interface AudienceFilter {
  value?: string;
  min?: number;
  max?: number;
}

export const useSizes = (
  id: string | undefined,
  options: { interval?: 'day' | 'week' | 'month'; filter?: AudienceFilter; enabled?: boolean } = {},
) =>
  useQuery({
    queryKey: ['sizes', id, options.interval ?? 'day', options.filter],
    queryFn: () =>
      unwrap(
        api.GET('/v1/audiences/{id}/sizes', {
          params: {
            path: { id: id! },
            query: { interval: options.interval ?? 'day', ...(options.filter ?? {}) },
          },
        }),
      ),
    enabled: id !== undefined && (options.enabled ?? true),
    staleTime: 30_000,
  });

// The daily size series of several segments or boolean tags in one request (the overview's
// headline segments): GET /v1/audiences/sizes, each series equal to the single route's.
export const useSizesOfMany = (ids: readonly string[], enabled = true) =>
  useQuery({
    queryKey: ['sizes-of-many', ids],
    queryFn: async () => {
      const answer = await unwrap(
        api.GET('/v1/audiences/sizes', { params: { query: { ids: ids.join(','), interval: 'day' } } }),
      );
      return new Map(answer.items.map((series) => [series.id, series]));
    },
    enabled: ids.length > 0 && enabled,
    staleTime: 30_000,
  });

export const useOverlap = (audiences: readonly string[]) =>
  useQuery({
    queryKey: ['overlap', audiences],
    queryFn: () => unwrap(api.POST('/v1/insights/overlap', { body: { audiences: [...audiences] } })),
    enabled: audiences.length > 0,
    placeholderData: keepPreviousData,
  });

export const useBreakdown = (audience: string | undefined, by: string | undefined) =>
  useQuery({
    queryKey: ['breakdown', audience, by],
    queryFn: () =>
      unwrap(api.GET('/v1/insights/breakdown', { params: { query: { audience: audience!, by: by! } } })),
    enabled: audience !== undefined && by !== undefined,
    placeholderData: keepPreviousData,
  });

export const useDistribution = (id: string | undefined, enabled: boolean) =>
  useQuery({
    queryKey: ['distribution', id],
    queryFn: () => unwrap(api.GET('/v1/tags/{id}/distribution', { params: { path: { id: id! } } })),
    enabled: id !== undefined && enabled,
    retry: false,
  });

// A value that settles: the last one given, once it has not changed for delayMs.
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

// The live count of the combination builder: the rule as JSON text (a stable key), asked once it
// has stopped changing for a moment, the previous count shown meanwhile.
export const COUNT_DEBOUNCE_MS = 350;
export const useAdHocCount = (ruleText: string | null) => {
  const settled = useDebounced(ruleText, COUNT_DEBOUNCE_MS);
  return useQuery({
    queryKey: ['ad-hoc-count', settled],
    queryFn: () =>
      unwrap(api.POST('/v1/insights/count', { body: { rule: JSON.parse(settled!) as never, sample: 10 } })),
    enabled: settled !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
};

// The members of an ad-hoc audience as CSV, saved by the browser from a one-time link like a
// segment's export (POST /v1/insights/export:link checks the rule first: a refusal is its message).
export async function downloadAdHoc(rule: unknown): Promise<void> {
  const link = await unwrap(
    api.POST('/v1/insights/export:link', { body: { rule: rule as never, format: 'csv' } }),
  );
  saveFromLink(link.url);
}

export const useCampaigns = (enabled = true) =>
  useQuery({
    queryKey: ['campaigns'],
    queryFn: () => unwrap(api.GET('/v1/campaigns', { params: { query: { limit: 100 } } })),
    enabled,
  });

export const useCampaign = (id: string | undefined) =>
  useQuery({
    queryKey: ['campaign', id],
    queryFn: () => unwrap(api.GET('/v1/campaigns/{id}', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
  });

export const useCampaignReport = (id: string | undefined, by: string | undefined) =>
  useQuery({
    queryKey: ['campaign-report', id, by],
    queryFn: () =>
      unwrap(
        api.GET('/v1/campaigns/{id}/report', {
          params: { path: { id: id! }, query: by ? { by } : {} },
        }),
      ),
    enabled: id !== undefined,
    placeholderData: keepPreviousData,
  });

export function useCreateCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (campaign: NewCampaign) => unwrap(api.POST('/v1/campaigns', { body: campaign })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['campaigns'] }),
  });
}

export function useRecordOutcomes(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ndjson: string) =>
      unwrap(
        api.POST('/v1/campaigns/{id}/outcomes', {
          params: { path: { id } },
          body: ndjson,
          bodySerializer: (body: string) => body,
          headers: { 'Content-Type': 'application/x-ndjson' },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['campaign-report', id] }),
  });
}
