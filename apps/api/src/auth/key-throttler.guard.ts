import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

// Rate limits per API key (after ApiKeyGuard has identified it); unauthenticated routes by address.
@Injectable()
export class KeyThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = request.principal as { keyId?: string } | undefined;
    return Promise.resolve(principal?.keyId ? `key:${principal.keyId}` : `ip:${String(request.ip)}`);
  }
}
