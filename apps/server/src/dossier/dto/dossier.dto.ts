import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/** What a dossier covers: one station or a unit's stations, over a period of planned starts. */
export class DossierQuery {
  @ApiPropertyOptional({ description: 'Một trạm' })
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional({ description: 'Mọi trạm thuộc đơn vị này, kể cả đơn vị cấp dưới' })
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiProperty({ description: 'Giờ phát dự kiến từ (ISO-8601)' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ description: 'Giờ phát dự kiến đến, không gồm (ISO-8601)' })
  @IsISO8601({ strict: true })
  to!: string;

  @ApiPropertyOptional({ enum: ['files', 'links'], description: 'links: danh sách tệp âm thanh (mã SHA-256, đường tải) thay cho chính các tệp' })
  @IsOptional()
  @IsIn(['files', 'links'])
  audio?: 'files' | 'links';
}

/** An inspector closes a period of a station's or a unit's dossier. */
export class CloseDossierDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiProperty({ description: 'Từ (ISO-8601)' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ description: 'Đến, không gồm (ISO-8601)' })
  @IsISO8601({ strict: true })
  to!: string;

  @ApiPropertyOptional({ description: 'Ghi chú của người kiểm tra' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

export class ClosuresQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  stationId?: string;
}
