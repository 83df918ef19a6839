import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';

const DEAD_AIR_MESSAGE = 'Ngưỡng lặng sóng là số giây nguyên từ 3 đến 600';

export class CreateChuyenMucDto {
  @ApiProperty({ example: 'Chuyển đổi số' })
  @IsString()
  @Matches(/\S/)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'CDS' })
  @Matches(/^[A-Za-z0-9_-]{1,50}$/, { message: 'Mã chuyên mục chỉ gồm chữ, số, "-" và "_"' })
  code!: string;

  @ApiPropertyOptional({ example: 15, description: 'silence longer than this many seconds in its programmes is dead air; absent: the station default' })
  @IsOptional()
  @IsInt({ message: DEAD_AIR_MESSAGE })
  @Min(3, { message: DEAD_AIR_MESSAGE })
  @Max(600, { message: DEAD_AIR_MESSAGE })
  deadAirSeconds?: number;
}

export class UpdateChuyenMucDto {
  @ApiPropertyOptional({ example: 'Chuyển đổi số', description: 'a new name; programmes already filed keep the old one' })
  @IsOptional()
  @IsString({ message: 'Tên chuyên mục không được để trống' })
  @Matches(/\S/, { message: 'Tên chuyên mục không được để trống' })
  @MaxLength(200, { message: 'Tên chuyên mục dài tối đa 200 ký tự' })
  name?: string;

  @ApiPropertyOptional({ example: 15, nullable: true, description: 'null: back to the station default (LOA_DEAD_AIR_SECONDS); absent: unchanged' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsInt({ message: DEAD_AIR_MESSAGE })
  @Min(3, { message: DEAD_AIR_MESSAGE })
  @Max(600, { message: DEAD_AIR_MESSAGE })
  deadAirSeconds?: number | null;
}

export class CreateTopicDto {
  @ApiProperty({ example: 'Dịch vụ công trực tuyến' })
  @IsString({ message: 'Tên chủ đề không được để trống' })
  @Matches(/\S/, { message: 'Tên chủ đề không được để trống' })
  @MaxLength(200, { message: 'Tên chủ đề dài tối đa 200 ký tự' })
  name!: string;
}
