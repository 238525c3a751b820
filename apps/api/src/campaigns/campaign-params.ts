import type { PipeTransform } from '@nestjs/common';
import { CUSTOMER_ID_PATTERN, ErrorCode, TagforgeException } from '@tagforge/common';
import { OptionalTagIdPipe } from '../http/params';

// Campaign ids follow the customer-id pattern.
export class CampaignIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !CUSTOMER_ID_PATTERN.test(value)) {
      throw new TagforgeException(
        ErrorCode.InvalidId,
        'campaign id must be 1-64 characters of letters, digits and _ . : -',
      );
    }
    return value;
  }
}

// A tag id the route cannot do without (?audience=, ?outcome=).
export class RequiredTagIdPipe implements PipeTransform<unknown, string> {
  private readonly optional: OptionalTagIdPipe;

  constructor(private readonly name: string) {
    this.optional = new OptionalTagIdPipe(name);
  }

  transform(value: unknown): string {
    const id = this.optional.transform(value);
    if (id === undefined) throw new TagforgeException(ErrorCode.BadRequest, `${this.name} is required`);
    return id;
  }
}
