import { ApiProperty } from '@nestjs/swagger';
import { DateTimeProperty } from '../http/openapi';

// GET /v1/tags/{id}/stability (ModelStabilityService): population stability of a model tag.

export class StabilityBinDto {
  @ApiProperty({ description: 'the bin in words', example: '600 <= x < 650' })
  bin!: string;

  @ApiProperty({ description: 'share of the training population', example: 0.18 })
  expected!: number;

  @ApiProperty({ description: 'share of the live population', example: 0.17 })
  actual!: number;
}

export class StabilityDto {
  @ApiProperty({ description: 'population stability index', example: 0.03 })
  psi!: number;

  @ApiProperty({ enum: ['stable', 'watch', 'review'], description: '< 0.1, 0.1-0.25, > 0.25' })
  status!: string;

  @ApiProperty({ type: [StabilityBinDto] })
  bins!: StabilityBinDto[];
}

export class ScoreStabilityDto extends StabilityDto {
  @ApiProperty({ description: 'customers with a score', example: 2006 })
  scored!: number;
}

export class CharacteristicStabilityDto extends StabilityDto {
  @ApiProperty({ example: 'utilisation' })
  name!: string;

  @ApiProperty({ description: 'the profile path or tags.<id> it reads', example: 'cards.0.utilization' })
  var!: string;
}

export class ModelStabilityDto {
  @ApiProperty({ example: 'default_risk_score' })
  tagId!: string;

  @ApiProperty({ example: 1 })
  version!: number;

  @DateTimeProperty('when it was measured')
  computedAt!: string;

  @ApiProperty({ description: 'customers in the live population', example: 2006 })
  customers!: number;

  @ApiProperty({ type: ScoreStabilityDto })
  score!: ScoreStabilityDto;

  @ApiProperty({ type: [CharacteristicStabilityDto] })
  characteristics!: CharacteristicStabilityDto[];

  @ApiProperty({ description: 'some PSI passes 0.25: the model needs review' })
  review!: boolean;
}
