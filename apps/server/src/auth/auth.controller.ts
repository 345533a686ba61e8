import { Body, Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SessionCookies } from './session-cookies';
import type { Identity } from './auth.service';
import { parseLoginRequest } from './login-request';

@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly cookies: SessionCookies) {}

  /** 204 and the session cookie; 401 `INVALID_CREDENTIALS`; 429 `TOO_MANY_ATTEMPTS` with Retry-After. */
  @Post('login')
  @HttpCode(204)
  async login(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.cookies.signIn(parseLoginRequest(body), request, reply);
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.cookies.signOut(request, reply);
  }

  @Get('me')
  @Header('Cache-Control', 'no-store')
  async me(@Req() request: FastifyRequest): Promise<Identity> {
    return this.cookies.identify(request);
  }
}
