import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { loadJsonFile } from '@tagforge/catalog';
import { AppConfig } from '@tagforge/common';
import { ProfileSchema, fieldTitle, type FieldTitle } from '@tagforge/rules';

// The profile schema of the served definitions folder: which fields exist (export columns) and what
// people call them (explanations).
@Injectable()
export class ServedProfileSchema {
  private document?: unknown;
  private paths?: ProfileSchema;

  constructor(private readonly config: AppConfig) {}

  hasField(path: readonly string[]): boolean {
    this.paths ??= new ProfileSchema(this.schema());
    return path.length > 0 && this.paths.resolve(this.paths.rootSet(), path) !== undefined;
  }

  title(path: readonly string[]): FieldTitle {
    return fieldTitle(this.schema(), path);
  }

  private schema(): unknown {
    this.document ??= loadJsonFile(join(this.config.TAG_DEFINITIONS_DIR, 'profile.schema.json'));
    return this.document;
  }
}
