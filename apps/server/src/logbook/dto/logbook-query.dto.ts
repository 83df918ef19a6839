import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { LOGBOOK_RESULTS, LOGBOOK_SOURCES } from '../logbook-line.entity';
import { IsInstant } from '../../common/instant';

/** The filter every logbook read and export takes. */
export class LogbookFilterQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional({ description: 'Mọi trạm thuộc đơn vị này, kể cả đơn vị cấp dưới' })
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiPropertyOptional({ description: 'Giờ phát dự kiến từ (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'Giờ phát dự kiến đến, không gồm (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  chuyenMuc?: string;

  @ApiPropertyOptional({ enum: LOGBOOK_SOURCES })
  @IsOptional()
  @IsIn(LOGBOOK_SOURCES)
  source?: string;

  @ApiPropertyOptional({ enum: LOGBOOK_RESULTS })
  @IsOptional()
  @IsIn(LOGBOOK_RESULTS)
  result?: string;
}

export class LogbookQuery extends LogbookFilterQuery {
  @ApiPropertyOptional({ default: 200, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Trả về các dòng có mã lớn hơn giá trị này' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}

export class VerifyQuery {
  @ApiPropertyOptional({ description: 'Một trạm; bỏ trống để kiểm tra mọi trạm trong phạm vi' })
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional({ description: 'Các dòng được ghi từ (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'Các dòng được ghi đến, không gồm (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  to?: string;
}
