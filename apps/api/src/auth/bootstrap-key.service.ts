import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiKeyService } from '@tagforge/auth';
import { AppConfig } from '@tagforge/common';

@Injectable()
export class BootstrapKeyService implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly keys: ApiKeyService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.BOOTSTRAP_API_KEY) await this.keys.ensureBootstrapKey(this.config.BOOTSTRAP_API_KEY);
  }
}
