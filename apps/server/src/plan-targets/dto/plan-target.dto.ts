import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

export class CreatePlanTargetDto {
  @ApiProperty({ example: 'Đài huyện phát ≥ 1 chương trình CCHC mỗi tháng' })
  @IsString()
  @Matches(/\S/)
  @MaxLength(300)
  name!: string;

  @ApiProperty()
  @IsUUID()
  chuyenMucId!: string;

  @ApiProperty({ enum: ['station', 'each_station'], description: 'station: một trạm; each_station: từng trạm thuộc đơn vị' })
  @IsIn(['station', 'each_station'])
  scope!: 'station' | 'each_station';

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  @Max(1000)
  minPerMonth!: number;
}

export class ComplianceQuery {
  @ApiProperty({ example: '2026-07-01T00:00:00+07:00' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ example: '2026-10-01T00:00:00+07:00' })
  @IsISO8601({ strict: true })
  to!: string;
}
