import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import type { CapRuleMode } from './cap.entity';

export class CreateCapSourceDto {
  @ApiProperty({ example: 'Đài Khí tượng Thủy văn khu vực Bắc Trung Bộ' })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class CreateCapRuleDto {
  @ApiProperty({ example: 'Bão, áp thấp nhiệt đới: phát ngay' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ type: [String], example: ['Extreme', 'Severe'], description: 'Mức nghiêm trọng (trống = mọi mức)' })
  @IsOptional()
  @ArrayMaxSize(5)
  @IsIn(['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'], { each: true })
  severities?: string[];

  @ApiPropertyOptional({ type: [String], example: ['Immediate', 'Expected'], description: 'Mức khẩn (trống = mọi mức)' })
  @IsOptional()
  @ArrayMaxSize(5)
  @IsIn(['Immediate', 'Expected', 'Future', 'Past', 'Unknown'], { each: true })
  urgencies?: string[];

  @ApiPropertyOptional({ type: [String], example: ['bão', 'lũ'], description: 'Sự kiện chứa một trong các từ này (trống = mọi sự kiện)' })
  @IsOptional()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  events?: string[];

  @ApiProperty({ description: 'Chỉ các đơn vị thuộc đơn vị này được đối chiếu với khu vực của bản tin' })
  @IsUUID()
  unitId!: string;

  @ApiProperty({ enum: ['air', 'draft'], description: 'air: phát ngay; draft: chờ người duyệt' })
  @IsIn(['air', 'draft'])
  mode!: CapRuleMode;

  @ApiPropertyOptional({ description: 'Phát lại mỗi N giờ cho đến khi có bản tin mới, bị huỷ hoặc hết hạn' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(24)
  repeatHours?: number;
}
