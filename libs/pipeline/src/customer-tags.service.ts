import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException, assertCustomerId } from '@tagforge/common';
import { CustomerTagRepository, ProfileRepository } from '@tagforge/persistence';

export interface CustomerTagsView {
  customerId: string;
  profileVersion: number;
  evaluatedVersion: number;
  tags: { tagId: string; value: unknown; since: Date; tagVersion: number }[];
}

@Injectable()
export class CustomerTagsService {
  constructor(
    private readonly profiles: ProfileRepository,
    private readonly tags: CustomerTagRepository,
  ) {}

  // Current values only; unset booleans have no row, so they are simply absent.
  async current(customerId: string): Promise<CustomerTagsView> {
    assertCustomerId(customerId);
    const profile = await this.profiles.find(customerId);
    if (!profile) throw new TagforgeException(ErrorCode.NotFound, `customer ${customerId} has no profile`);
    const tags = await this.tags.current(customerId);
    return {
      customerId,
      profileVersion: profile.version,
      evaluatedVersion: profile.evaluatedVersion,
      tags: tags.map((tag) => ({
        tagId: tag.tagId,
        value: tag.value,
        since: tag.since,
        tagVersion: tag.tagVersion,
      })),
    };
  }
}
