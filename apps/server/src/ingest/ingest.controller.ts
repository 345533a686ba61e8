import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PeregrineError } from '../common/errors';
import type { JsonValue } from '../common/json';
import { type IngestAuthenticator, ingestClusterOf } from './ingest-auth';
import { INGEST_AUTH } from './ingest-auth.providers';
import { IngestPipeline } from './ingest-pipeline';

/** The Falco ingest on the main port, and falcosidekick-ui's add-event API for existing sidekicks. */
@Controller()
export class IngestController {
  constructor(
    private readonly ingest: IngestPipeline,
    /** Ingest tokens (`peregrine.ingest.auth`); undefined when off. `ingest/:token/…` carries it for senders that cannot set a header. */
    @Inject(INGEST_AUTH) private readonly auth: IngestAuthenticator | undefined,
  ) {}

  @Post(['api/v1/alerts', 'ingest/:token/api/v1/alerts'])
  @HttpCode(200)
  async ingestAlert(@Body() body: JsonValue, @Req() request: FastifyRequest): Promise<{ uuid: string }> {
    return { uuid: (await this.ingest.ingestFalcoAlert(body, { cluster: ingestClusterOf(this.auth, request) })).uuid };
  }

  /** `{"event": {...}, "outputs": [...]}` as falcosidekick's WebUI output posts it; answers as falcosidekick-ui. */
  @Post(['api/v1/events/add', 'api/v1', '', 'ingest/:token/api/v1/events/add', 'ingest/:token/api/v1', 'ingest/:token'])
  @HttpCode(200)
  async addEvent(@Body() body: JsonValue, @Req() request: FastifyRequest): Promise<Record<string, never>> {
    await this.ingest.ingestFalcoAlert(eventOf(body), { cluster: ingestClusterOf(this.auth, request), keepUuid: true });
    // An object, so it goes out as application/json (a string went out as text/plain).
    return {};
  }
}

function eventOf(body: JsonValue): JsonValue {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('event' in body) || body['event'] === undefined) {
    throw new PeregrineError('MISSING_FIELD', 'body must be {"event": <Falco alert>, "outputs": [...]}');
  }
  return body['event'];
}
