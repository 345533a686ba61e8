import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config.schema';
import type { AppLogger } from '../logging/logger';

/** Where the built dashboard is: configured, or `apps/ui/dist` next to this package. */
export function dashboardDirectory(config: AppConfig): string | undefined {
  const candidates = config.peregrine.ui_dir !== '' ? [resolve(config.peregrine.ui_dir)] : [resolve(__dirname, '../../../ui/dist'), resolve(__dirname, '../../../../apps/ui/dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * Serves the built dashboard under the base path: its files as they are, and its shell
 * (`index.html`) for the base path itself and for every client-side route (`/events/<uuid>`,
 * `/rules`, …) so deep links and reloads work. The shell carries `<base href="<base path>/">`:
 * the dashboard's asset, API and socket.io URLs are relative, and without it they would resolve
 * against the deep link's folder (`/events/assets/…`) instead of the dashboard's root.
 */
export async function registerDashboard(app: NestFastifyApplication, root: string | undefined, logger: AppLogger, basePath = ''): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  if (!root) {
    logger.warn({ code: 'UI_NOT_BUILT' }, 'dashboard assets not found (run `npm run build`); the API still serves');
    return;
  }
  const indexFile = join(root, 'index.html');
  // The raw index.html lacks the base; it is only ever served as the shell below.
  await fastify.register(fastifyStatic, { root, prefix: `${basePath}/`, wildcard: false, index: false, allowedPath: (path) => path !== '/index.html' });

  // Read once, like the asset routes above (registered per file at start): a rebuilt dashboard
  // is served whole after a restart, never a new shell pointing at assets not routed yet.
  const html = withBaseHref(await readFile(indexFile, 'utf8'), `${basePath}/`);
  const sendShell = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(html);
  fastify.get(`${basePath}/`, sendShell);
  fastify.get(`${basePath}/*`, async (request, reply) => {
    if (isClientRoute(request.url, basePath)) return sendShell(request, reply);
    // An unknown API path or a missing file: the app's own coded 404.
    reply.callNotFound();
    return reply;
  });
}

/**
 * A path the dashboard's router owns: under the base path, not the API, and not a file (a last
 * segment without a dot). Anything else that nobody serves stays a 404.
 */
export function isClientRoute(url: string, basePath: string): boolean {
  const path = url.split('?')[0] ?? '/';
  if (!path.startsWith(`${basePath}/`)) return false;
  const rest = path.slice(basePath.length + 1);
  if (rest === 'api' || rest.startsWith('api/') || rest.startsWith('socket.io')) return false;
  return !(rest.split('/').pop() ?? '').includes('.');
}

/** The shell with its `<base href>` set (replacing the one the source carries for Vite's dev server). */
export function withBaseHref(html: string, href: string): string {
  const tag = `<base href="${escapeAttribute(href)}" />`;
  if (/<base\s[^>]*>/i.test(html)) return html.replace(/<base\s[^>]*>/i, tag);
  return html.replace(/<head(\s[^>]*)?>/i, (head) => `${head}\n    ${tag}`);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
