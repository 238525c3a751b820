import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException, assertCustomerId } from '@tagforge/common';
import { CustomerLookupRepository, type CurrentTagJson } from './customer-lookup.repository';

export interface CustomerTagsView {
  customerId: string;
  profileVersion: number;
  evaluatedVersion: number;
  tags: CurrentTagJson[];
}

@Injectable()
export class CustomerTagsService {
  constructor(private readonly tags: CustomerLookupRepository) {}

  // Current values only; unset booleans have no row, so they are simply absent.
  async current(customerId: string): Promise<CustomerTagsView> {
    assertCustomerId(customerId);
    const found = await this.tags.currentOfCustomer(customerId);
    if (!found) throw new TagforgeException(ErrorCode.NotFound, `customer ${customerId} has no profile`);
    return {
      customerId,
      profileVersion: found.version,
      evaluatedVersion: found.evaluatedVersion,
      tags: found.tags,
    };
  }
}
