import type { Principal } from '@tagforge/auth';
import type { Actor } from '@tagforge/pipeline';

export const actorOf = (principal: Principal): Actor => ({ keyId: principal.keyId, name: principal.name });
