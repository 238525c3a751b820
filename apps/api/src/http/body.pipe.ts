import type { PipeTransform } from '@nestjs/common';
import { validateSync, type ValidationError } from 'class-validator';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { hasForbiddenKeys, type JsonObject } from '@tagforge/profile';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// A JSON object body (a profile, a merge patch, a definition), handed on as such; its contents are the
// library's to check (schema, catalog), with pointers to each problem.
export class JsonObjectBodyPipe implements PipeTransform<unknown, JsonObject> {
  constructor(private readonly what: string) {}

  transform(body: unknown): JsonObject {
    if (!isPlainObject(body)) {
      throw new TagforgeException(ErrorCode.ValidationFailed, `${this.what} must be a JSON object`, [
        { pointer: '', message: 'must be an object' },
      ]);
    }
    return body as JsonObject;
  }
}

// The NDJSON batch's text.
export class NdjsonBodyPipe implements PipeTransform<unknown, string> {
  transform(body: unknown): string {
    return typeof body === 'string' ? body : '';
  }
}

function problems(errors: readonly ValidationError[], parent = ''): { property: string; message: string }[] {
  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}).map((message) => ({
      property: `${parent}${error.property}`,
      message,
    })),
    ...problems(error.children ?? [], `${parent}${error.property}.`),
  ]);
}

// A body described by a DTO class (class-validator): fields are copied one level deep onto an instance
// (never walked or transformed, so hostile nesting costs nothing) and validated; unknown fields and
// prototype keys are refused. The handler gets the instance.
export class DtoBodyPipe<T extends object> implements PipeTransform<unknown, T> {
  constructor(
    private readonly dto: new () => T,
    private readonly shape: string,
  ) {}

  transform(body: unknown): T {
    if (!isPlainObject(body)) throw new TagforgeException(ErrorCode.BadRequest, `the body is ${this.shape}`);
    const forbidden = hasForbiddenKeys(body);
    if (forbidden !== null) {
      throw new TagforgeException(ErrorCode.BadRequest, `the body holds a forbidden key at ${forbidden}`);
    }
    const instance = Object.assign(new this.dto(), body);
    const errors = validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    });
    if (errors.length > 0) {
      const found = problems(errors);
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `the body is ${this.shape}: ${found
          .slice(0, 3)
          .map((problem) => problem.message)
          .join('; ')}`,
        found,
      );
    }
    return instance;
  }
}

// A body that may be left out (no body, or an empty one): the DTO's defaults then, else as DtoBodyPipe.
export class OptionalDtoBodyPipe<T extends object> implements PipeTransform<unknown, T> {
  private readonly present: DtoBodyPipe<T>;

  constructor(
    private readonly dto: new () => T,
    shape: string,
  ) {
    this.present = new DtoBodyPipe(dto, shape);
  }

  transform(body: unknown): T {
    return body === undefined || body === null || body === '' ? new this.dto() : this.present.transform(body);
  }
}
