import { Injectable } from '@nestjs/common';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { TagDefinitionRepository, type ColumnValues } from '@tagforge/persistence';
import { ServedProfileSchema } from './served-profile-schema';

export const MAX_EXPORT_COLUMNS = 20;

// An extra value per member: a tag's value, or a profile field by path.
export type ColumnRequest = { source: 'tag'; tagId: string } | { source: 'profile'; path: string[] };

export const columnName = (column: ColumnRequest) =>
  column.source === 'tag' ? `tag:${column.tagId}` : `profile:${column.path.join('.')}`;

export interface ResolvedColumns {
  names: string[];
  tagIds: string[];
  profilePaths: string[][];
  row(values: ColumnValues): Record<string, unknown>;
}

// Checks requested columns against the catalog, the profile schema and the caller's purpose rules.
@Injectable()
export class ExportColumns {
  constructor(
    private readonly definitions: TagDefinitionRepository,
    private readonly schema: ServedProfileSchema,
  ) {}

  async resolve(
    requests: readonly ColumnRequest[],
    asOf: Date | undefined,
    canReadBureau: boolean,
  ): Promise<ResolvedColumns | null> {
    if (requests.length === 0) return null;
    if (requests.length > MAX_EXPORT_COLUMNS) {
      throw new TagforgeException(ErrorCode.BadRequest, `at most ${MAX_EXPORT_COLUMNS} columns`);
    }
    const profile = requests.filter((column) => column.source === 'profile');
    if (profile.length > 0 && asOf) {
      // Profiles are stored as they are now; a past instant has only tags.
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `profile columns hold current values and cannot be combined with asOf: ${profile.map(columnName).join(', ')}`,
      );
    }
    const bureau = profile.filter((column) => column.path[0] === 'bureau');
    if (bureau.length > 0 && !canReadBureau) {
      throw new TagforgeException(
        ErrorCode.Forbidden,
        `credit-bureau columns need the "bureau:read" scope: ${bureau.map(columnName).join(', ')}`,
      );
    }
    const unknownFields = profile.filter((column) => !this.schema.hasField(column.path));
    if (unknownFields.length > 0) {
      throw new TagforgeException(
        ErrorCode.BadRequest,
        `not fields of the profile schema: ${unknownFields.map(columnName).join(', ')}`,
      );
    }
    const rows = asOf ? await this.definitions.activeAt(asOf) : await this.definitions.findActive();
    const kinds = new Map(rows.map((row) => [row.tagId, row.kind]));
    const tags = requests.filter((column) => column.source === 'tag');
    const unknownTags = tags.filter((column) => !kinds.has(column.tagId));
    if (unknownTags.length > 0) {
      throw new TagforgeException(
        ErrorCode.NotFound,
        `no active tag for the columns ${unknownTags.map(columnName).join(', ')}`,
        { unknownTagIds: unknownTags.map((column) => column.tagId) },
      );
    }
    const names = requests.map(columnName);
    const tagIds = tags.map((column) => column.tagId);
    return {
      names,
      tagIds,
      profilePaths: profile.map((column) => column.path),
      row: (values) => {
        const cells: Record<string, unknown> = {};
        let field = 0;
        for (const column of requests) {
          if (column.source === 'tag') {
            const kind = kinds.get(column.tagId);
            // Sparse storage: an unset boolean has no row, so it reads false; other kinds read null.
            cells[columnName(column)] =
              values.tags[column.tagId] ?? (kind === 'boolean' || kind === 'segment' ? false : null);
          } else {
            cells[columnName(column)] = values.profile[field] ?? null;
            field += 1;
          }
        }
        return cells;
      },
    };
  }
}
