// Every billing API call needs the admin bearer token; with no token configured, every call is refused.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AssayError } from '@assay/platform';
import type { FastifyRequest } from 'fastify';
import { BILLING_ADMIN_TOKEN } from './injection-tokens';

@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(BILLING_ADMIN_TOKEN) private readonly adminToken: string) {}

  canActivate(context: ExecutionContext): boolean {
    const auth = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    if (!this.adminToken || typeof auth !== 'string' || !sameSecret(auth, `Bearer ${this.adminToken}`)) {
      throw new AssayError({ status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message: 'A valid admin token is required.' });
    }
    return true;
  }
}

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
