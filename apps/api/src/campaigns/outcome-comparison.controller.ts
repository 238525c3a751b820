import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { grants, type Principal } from '@tagforge/auth';
import { OutcomeComparisonService } from '@tagforge/serving';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { Refuses } from '../http/openapi';
import { RequiredTagIdPipe } from './campaign-params';
import { OutcomeComparisonDto } from './campaign.dto';

@ApiTags('insights')
@Controller('v1/insights')
export class OutcomeComparisonController {
  constructor(private readonly comparisons: OutcomeComparisonService) {}

  @Get('outcomes')
  @RequireScope('insights:read', 'a tag computed from credit-bureau data alone needs "bureau:read" as well')
  @ApiOperation({
    summary: 'An audience against the rest of the population on an outcome held as a boolean tag',
    description:
      "The outcome rate inside the audience and outside it, each with its Wilson 95 % interval, their difference (Newcombe's interval), relative lift (log method) and a two-proportion z-test. No one was held out at random: a difference is who the audience selects, not what a campaign did.",
  })
  @ApiQuery({ name: 'audience', required: true, example: 'high_intent_loan_demand' })
  @ApiQuery({ name: 'outcome', required: true, example: 'campaign_responder' })
  @ApiOkResponse({ type: OutcomeComparisonDto })
  @Refuses.badRequest('a missing or malformed audience or outcome, a tag that is not boolean or a segment')
  @Refuses.notFound('no active segment or tag high_intent_loan_demand')
  compare(
    @Query('audience', new RequiredTagIdPipe('audience')) audience: string,
    @Query('outcome', new RequiredTagIdPipe('outcome')) outcome: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.comparisons.compare(audience, outcome, grants(principal.scopes, 'bureau:read'));
  }
}
