import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '@tagforge/common';
import { ProfileValidator } from '@tagforge/profile';

// Ingestion validates against the profile schema of the served definitions folder.
export const PROFILE_VALIDATOR = Symbol('PROFILE_VALIDATOR');

export const profileValidatorProvider = {
  provide: PROFILE_VALIDATOR,
  inject: [AppConfig],
  useFactory: (config: AppConfig): ProfileValidator => {
    const path = join(config.TAG_DEFINITIONS_DIR, 'profile.schema.json');
    let schema: object;
    try {
      schema = JSON.parse(readFileSync(path, 'utf8')) as object;
    } catch (error) {
      throw new Error(
        `Cannot read the profile schema ${path} (TAG_DEFINITIONS_DIR): ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return new ProfileValidator(schema);
  },
};
