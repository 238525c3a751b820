import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { storedKey } from '../auth/session';
import { api, unwrap } from './client';
import { apiErrorOf } from './errors';
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

// The members of an ad-hoc audience as CSV. POST /v1/insights/export streams with the key header,
// which a plain browser download cannot send, so this one is fetched: it is one customer_id column
// (about 10 bytes a member), and the body is handed to the browser's download as a Blob.
export async function downloadAdHoc(rule: unknown): Promise<number> {
  const key = storedKey();
  const response = await fetch(`${window.location.origin}/v1/insights/export`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'text/csv',
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ rule, format: 'csv' }),
  });
  if (!response.ok) {
    throw apiErrorOf(response.status, await response.json().catch(() => null));
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = 'ad-hoc-audience.csv';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
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
