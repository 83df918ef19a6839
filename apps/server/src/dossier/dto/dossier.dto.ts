import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsInstant } from '../../common/instant';

/** A period of one station's or a unit's stations' logbook, by planned start. */
class DossierPeriod {
  @ApiPropertyOptional({ description: 'Một trạm' })
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional({ description: 'Mọi trạm thuộc đơn vị này, kể cả đơn vị cấp dưới' })
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiProperty({ description: 'Giờ phát dự kiến từ (ISO-8601)' })
  @IsInstant()
  from!: string;

  @ApiProperty({ description: 'Giờ phát dự kiến đến, không gồm (ISO-8601)' })
  @IsInstant()
  to!: string;
}

/** What a dossier covers, and whether its audio comes as files or as a list. */
export class DossierQuery extends DossierPeriod {
  @ApiPropertyOptional({ enum: ['files', 'links'], description: 'links: danh sách tệp âm thanh (mã SHA-256, đường tải) thay cho chính các tệp' })
  @IsOptional()
  @IsIn(['files', 'links'])
  audio?: 'files' | 'links';
}

/** An inspector closes a period of a station's or a unit's dossier. */
export class CloseDossierDto extends DossierPeriod {
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
