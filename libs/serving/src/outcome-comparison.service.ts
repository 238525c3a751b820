import { Injectable } from '@nestjs/common';
import { compareProportions, rateOf, type Comparison, type Rate } from '@tagforge/campaigns';
import { ErrorCode, TagforgeException } from '@tagforge/common';
import { CampaignRepository, TagDefinitionRepository } from '@tagforge/persistence';
import { readsOnlyBureau } from '@tagforge/rules';
import { definitionDependencies } from './bureau-derived';

export interface OutcomeComparison {
  audience: string;
  outcome: string;
  population: number;
  groups: { group: 'audience' | 'rest'; customers: number; outcome: Rate }[];
  // The audience against the rest of the population.
  comparison: Comparison;
}

// An audience against everyone else on an outcome held as a boolean tag, when no campaign was run:
// the same statistics as a campaign report, with the rest of the population as the comparison group.
// A selection effect, not a campaign's: nobody was held out at random.
@Injectable()
export class OutcomeComparisonService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly definitions: TagDefinitionRepository,
  ) {}

  async compare(audience: string, outcome: string, canReadBureau: boolean): Promise<OutcomeComparison> {
    const definitions = new Map((await this.definitions.findActive()).map((row) => [row.tagId, row]));
    for (const [id, what] of [
      [audience, 'audience'],
      [outcome, 'outcome'],
    ] as const) {
      const definition = definitions.get(id);
      if (!definition) throw new TagforgeException(ErrorCode.NotFound, `no active segment or tag ${id}`);
      if (definition.kind !== 'boolean' && definition.kind !== 'segment') {
        throw new TagforgeException(
          ErrorCode.BadRequest,
          `${id} is a ${definition.kind} tag: the ${what} is a boolean tag or a segment`,
        );
      }
      if (!canReadBureau && readsOnlyBureau(id, definitionDependencies(definitions))) {
        throw new TagforgeException(
          ErrorCode.Forbidden,
          `${id} is computed from credit-bureau data alone: comparing on it needs the "bureau:read" scope`,
        );
      }
    }
    if (audience === outcome) {
      throw new TagforgeException(ErrorCode.BadRequest, 'the audience and the outcome are the same tag');
    }
    const counts = await this.campaigns.outcomeCounts(audience, outcome);
    const inside = { count: counts.both, members: counts.audience };
    const rest = { count: counts.outcome - counts.both, members: counts.population - counts.audience };
    return {
      audience,
      outcome,
      population: counts.population,
      groups: [
        { group: 'audience', customers: inside.members, outcome: rateOf(inside.count, inside.members) },
        { group: 'rest', customers: rest.members, outcome: rateOf(rest.count, rest.members) },
      ],
      comparison: compareProportions(inside, rest),
    };
  }
}
