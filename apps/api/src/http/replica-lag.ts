import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { replicaReads, type ReplicaReadContext } from '@tagforge/persistence';

// Every answer read (partly) from the read replica says how stale it may be: an upper bound of the
// replica's replay lag, in seconds. Answers read from the primary carry no such header.
export const REPLICA_LAG_HEADER = 'Tagforge-Replica-Lag';

const contexts = new WeakMap<ServerResponse, ReplicaReadContext>();

export function replicaLagHeader(context: ReplicaReadContext | undefined): Record<string, string> {
  return context?.lagSeconds === undefined ? {} : { [REPLICA_LAG_HEADER]: context.lagSeconds.toFixed(3) };
}

// The context of the request being answered on `raw` (the exports write their own head).
export function replicaReadsOf(raw: ServerResponse): ReplicaReadContext | undefined {
  return contexts.get(raw);
}

export function registerReplicaLagHeader(fastify: FastifyInstance): void {
  // Everything the request does runs inside its own context (as @fastify/request-context does).
  fastify.addHook('onRequest', (_request, reply, done) => {
    const context: ReplicaReadContext = {};
    contexts.set(reply.raw, context);
    replicaReads.run(context, done);
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    for (const [name, value] of Object.entries(replicaLagHeader(contexts.get(reply.raw)))) {
      void reply.header(name, value);
    }
    done(null, payload);
  });
}
