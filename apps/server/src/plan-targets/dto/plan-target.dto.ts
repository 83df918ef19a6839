import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsInstant } from '../../common/instant';

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

export class UpdatePlanTargetDto {
  @ApiPropertyOptional({ example: 'Mỗi trạm 2 buổi CCHC mỗi tháng' })
  @IsOptional()
  @IsString({ message: 'Tên chỉ tiêu không được để trống' })
  @Matches(/\S/, { message: 'Tên chỉ tiêu không được để trống' })
  @MaxLength(300, { message: 'Tên chỉ tiêu dài tối đa 300 ký tự' })
  name?: string;

  @ApiPropertyOptional({ example: 2 })
  @IsOptional()
  @IsInt({ message: 'Số buổi mỗi tháng là số nguyên từ 1 đến 1000' })
  @Min(1, { message: 'Số buổi mỗi tháng là số nguyên từ 1 đến 1000' })
  @Max(1000, { message: 'Số buổi mỗi tháng là số nguyên từ 1 đến 1000' })
  minPerMonth?: number;
}

export class ComplianceQuery {
  @ApiProperty({ example: '2026-07-01T00:00:00+07:00' })
  @IsInstant()
  from!: string;

  @ApiProperty({ example: '2026-10-01T00:00:00+07:00' })
  @IsInstant()
  to!: string;
}
