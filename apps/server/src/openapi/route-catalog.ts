import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** The pattern as registered, e.g. `/api/v1/alerts/:uuid`. */
  url: string;
}

const catalogs = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Records every route registered on this instance from now on (call before any is added). */
export function recordRoutes(fastify: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  catalogs.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.push({ method: String(method).toUpperCase(), url: route.url });
  });
}

/** What {@link recordRoutes} saw: the ground truth the OpenAPI document is checked against. */
export function registeredRoutes(fastify: FastifyInstance): readonly RegisteredRoute[] {
  return catalogs.get(fastify) ?? [];
}
