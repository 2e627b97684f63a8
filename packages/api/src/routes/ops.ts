import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export interface Readiness {
  ready: boolean;
}

/** `/health` (alive), `/ready` (false from the start of shutdown), `/metrics` (Prometheus). */
export function registerOpsRoutes(app: FastifyInstance, context: AppContext, readiness: Readiness): void {
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    if (!readiness.ready) return reply.code(503).send({ status: 'shutting_down' });
    return { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', context.metrics.registry.contentType);
    return context.metrics.registry.metrics();
  });
}
