import { applyDecorators } from '@nestjs/common';

// Decorators applied as if written one above the other in this order (TypeScript applies a stack
// from the bottom up), so a stack moved into a helper keeps its metadata, and so its validation
// messages and OpenAPI entries, in the same order.
export const Stacked = (
  ...decorators: (ClassDecorator | MethodDecorator | PropertyDecorator)[]
): ReturnType<typeof applyDecorators> => applyDecorators(...[...decorators].reverse());
