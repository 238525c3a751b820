import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Identity } from '../auth/session';
import { api, unwrap, unwrapJson } from './client';
import type { SandboxPopulation, TagDefinition } from './types';

// A run still moving is polled every second; a finished one is not polled at all.
const LIVE_INTERVAL_MS = 1000;
const isLive = (status: string | undefined) => status === 'queued' || status === 'running';

export function fetchIdentity(): Promise<Identity> {
  return unwrap(api.GET('/v1/auth/whoami'));
}

export const useTags = (enabled = true) =>
  useQuery({
    queryKey: ['tags'],
    queryFn: () => unwrap(api.GET('/v1/tags')).then((body) => body.items),
    staleTime: 60_000,
    enabled,
  });

export const useTag = (id: string | undefined) =>
  useQuery({
    queryKey: ['tag', id],
    queryFn: () => unwrap(api.GET('/v1/tags/{id}', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
  });

// Every draft not yet activated or discarded, in one request (the review list).
export const useDrafts = () =>
  useQuery({
    queryKey: ['drafts'],
    queryFn: () => unwrap(api.GET('/v1/tags:drafts')).then((body) => body.items),
  });

export const useDiff = (id: string | undefined, version: number | undefined) =>
  useQuery({
    queryKey: ['diff', id, version],
    queryFn: () =>
      unwrap(
        api.GET('/v1/tags/{id}/versions/{version}/diff', {
          params: { path: { id: id!, version: version! } },
        }),
      ),
    enabled: id !== undefined && version !== undefined,
  });

export const useSegments = (enabled = true) =>
  useQuery({
    queryKey: ['segments'],
    queryFn: () => unwrap(api.GET('/v1/segments')).then((body) => body.items),
    enabled,
  });

export const useAudience = (
  id: string | undefined,
  kind: 'segment' | 'boolean',
  asOf?: string,
  enabled = true,
) =>
  useQuery({
    queryKey: ['audience', kind, id, asOf],
    queryFn: () =>
      kind === 'segment'
        ? unwrap(api.GET('/v1/segments/{id}', { params: { path: { id: id! }, query: asOf ? { asOf } : {} } }))
        : unwrap(
            api.GET('/v1/tags/{id}/size', { params: { path: { id: id! }, query: asOf ? { asOf } : {} } }),
          ),
    enabled: id !== undefined && enabled,
  });

// One page of members at a time (keyset-paged): a 900,000-member segment is never loaded whole.
export const useMembers = (
  id: string | undefined,
  kind: 'segment' | 'boolean',
  cursor: string | undefined,
  limit: number,
  asOf?: string,
  columns?: string,
) =>
  useQuery({
    queryKey: ['members', kind, id, cursor, limit, asOf, columns],
    queryFn: () => {
      const query = {
        limit,
        ...(cursor ? { cursor } : {}),
        ...(asOf ? { asOf } : {}),
        ...(columns ? { columns } : {}),
      };
      return kind === 'segment'
        ? unwrapJson(api.GET('/v1/segments/{id}/members', { params: { path: { id: id! }, query } }))
        : unwrapJson(api.GET('/v1/tags/{id}/members', { params: { path: { id: id! }, query } }));
    },
    enabled: id !== undefined,
    placeholderData: keepPreviousData,
  });

export const useRuns = (enabled = true, limit = 50) =>
  useQuery({
    queryKey: ['runs', limit],
    queryFn: () => unwrap(api.GET('/v1/runs', { params: { query: { limit } } })),
    enabled,
    refetchInterval: (query) =>
      query.state.data?.items.some((run) => isLive(run.status)) ? LIVE_INTERVAL_MS : false,
  });

// Freshness, queue depth and runs in progress; refreshed every few seconds while shown.
export const useOpsStatus = (enabled = true) =>
  useQuery({
    queryKey: ['ops-status'],
    queryFn: () => unwrap(api.GET('/v1/ops/status')),
    enabled,
    refetchInterval: 5000,
  });

export const useRun = (id: string | undefined) =>
  useQuery({
    queryKey: ['run', id],
    queryFn: () => unwrap(api.GET('/v1/runs/{id}', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
    refetchInterval: (query) =>
      isLive(query.state.data?.status) || !query.state.data ? LIVE_INTERVAL_MS : false,
  });

export const useCustomerTags = (id: string | undefined, asOf?: string) =>
  useQuery({
    queryKey: ['customer-tags', id, asOf],
    queryFn: () =>
      unwrap(
        api.GET('/v1/customers/{id}/tags', { params: { path: { id: id! }, query: asOf ? { asOf } : {} } }),
      ),
    enabled: id !== undefined,
    retry: false,
  });

export const useCustomerSegments = (id: string | undefined) =>
  useQuery({
    queryKey: ['customer-segments', id],
    queryFn: () => unwrap(api.GET('/v1/customers/{id}/segments', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
    retry: false,
  });

export const useProfile = (id: string | undefined, enabled: boolean) =>
  useQuery({
    queryKey: ['profile', id],
    queryFn: () => unwrap(api.GET('/v1/customers/{id}/profile', { params: { path: { id: id! } } })),
    enabled: id !== undefined && enabled,
    retry: false,
  });

export const useHistory = (id: string | undefined, tagId: string | undefined, cursor: string | undefined) =>
  useQuery({
    queryKey: ['history', id, tagId, cursor],
    queryFn: () =>
      unwrap(
        api.GET('/v1/customers/{id}/tags/history', {
          params: {
            path: { id: id! },
            query: { limit: 50, ...(tagId ? { tagId } : {}), ...(cursor ? { cursor } : {}) },
          },
        }),
      ),
    enabled: id !== undefined,
    placeholderData: keepPreviousData,
    retry: false,
  });

export const useExplanation = (id: string | undefined, tagId: string | undefined) =>
  useQuery({
    queryKey: ['explain', id, tagId],
    queryFn: () =>
      unwrapJson(
        api.GET('/v1/customers/{id}/tags/{tagId}/explain', { params: { path: { id: id!, tagId: tagId! } } }),
      ),
    enabled: id !== undefined && tagId !== undefined,
    retry: false,
  });

export const useAudit = (
  filter: { entity?: string; from?: string; to?: string },
  cursor: string | undefined,
  enabled: boolean,
) =>
  useQuery({
    queryKey: ['audit', filter, cursor],
    queryFn: () =>
      unwrap(
        api.GET('/v1/audit', {
          params: {
            query: {
              limit: 50,
              ...(filter.entity ? { entity: filter.entity as 'tag_definition' } : {}),
              ...(filter.from ? { from: filter.from } : {}),
              ...(filter.to ? { to: filter.to } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    enabled,
    placeholderData: keepPreviousData,
  });

export const useSandboxRun = (id: string | undefined) =>
  useQuery({
    queryKey: ['sandbox', id],
    queryFn: () => unwrap(api.GET('/v1/sandbox/runs/{id}', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
    refetchInterval: (query) =>
      isLive(query.state.data?.status) || !query.state.data ? LIVE_INTERVAL_MS : false,
  });

export const useSandboxCustomers = (
  id: string | undefined,
  change: 'entered' | 'left' | 'changed',
  tagId: string | undefined,
  enabled: boolean,
) =>
  useQuery({
    queryKey: ['sandbox-customers', id, change, tagId],
    queryFn: () =>
      unwrap(
        api.GET('/v1/sandbox/runs/{id}/customers', {
          params: { path: { id: id! }, query: { change, limit: 20, ...(tagId ? { tagId } : {}) } },
        }),
      ),
    enabled: id !== undefined && enabled,
  });

export function useValidate() {
  return useMutation({
    mutationFn: (definition: unknown) => unwrap(api.POST('/v1/tags:validate', { body: definition as never })),
  });
}

export function useStartSandbox() {
  return useMutation({
    mutationFn: (request: { definitions: TagDefinition[]; population: SandboxPopulation }) =>
      unwrap(api.POST('/v1/sandbox/runs', { body: request as never })),
  });
}

export function usePublishSandbox() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) =>
      unwrap(api.POST('/v1/sandbox/runs/{id}:publish', { params: { path: { id: runId } } })),
    // Publishing makes drafts: the tags' versions and the review list change.
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ['tag'] }),
        client.invalidateQueries({ queryKey: ['drafts'] }),
      ]),
  });
}

export function useApprove() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ tagId, version }: { tagId: string; version: number }) =>
      unwrap(
        api.POST('/v1/tags/{id}/versions/{version}:approve', { params: { path: { id: tagId, version } } }),
      ),
    onSuccess: () => client.invalidateQueries(),
  });
}

export function useActivate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ tagId, version }: { tagId: string; version: number }) =>
      unwrap(
        api.POST('/v1/tags/{id}/versions/{version}:activate', { params: { path: { id: tagId, version } } }),
      ),
    onSuccess: () => client.invalidateQueries(),
  });
}

// An export is saved by the browser from a one-time link (POST …/members:export): the API streams
// the file straight to disk, so a 900,000-member list never passes through the page. A fetch with
// the key header read into a blob would hold it all in memory, and showSaveFilePicker or a service
// worker need a secure context that an intranet served over plain HTTP is not.
export async function downloadMembers(
  kind: 'segment' | 'boolean',
  id: string,
  options: { asOf?: string; columns?: string; format?: 'csv' | 'ndjson' },
): Promise<void> {
  const query = {
    ...(options.asOf ? { asOf: options.asOf } : {}),
    ...(options.columns ? { columns: options.columns } : {}),
    format: options.format ?? 'csv',
  };
  const link =
    kind === 'segment'
      ? await unwrap(api.POST('/v1/segments/{id}/members:export', { params: { path: { id }, query } }))
      : await unwrap(api.POST('/v1/tags/{id}/members:export', { params: { path: { id }, query } }));
  saveFromLink(link.url);
}

// Hands a one-time export link to the browser's download manager (Content-Disposition: attachment).
export function saveFromLink(url: string): void {
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = '';
  anchor.rel = 'noopener';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}
