import { ErrorCode, TagforgeException } from './errors';

// Not only dots: clients and proxies normalise `/customers/..` away, leaving such a customer unreachable.
export const CUSTOMER_ID_PATTERN = /^(?!\.+$)[A-Za-z0-9_.:-]{1,64}$/;

export function isCustomerId(value: unknown): value is string {
  return typeof value === 'string' && CUSTOMER_ID_PATTERN.test(value);
}

export function assertCustomerId(value: unknown): string {
  if (!isCustomerId(value)) {
    throw new TagforgeException(
      ErrorCode.InvalidId,
      'customer id must be 1-64 characters of letters, digits and _ . : -',
    );
  }
  return value;
}
