import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { LOGBOOK_RESULTS, type LogbookResult } from '../logbook-line.entity';

/** A correction of a logbook line: the reason is required; only the fields given change. */
export class CorrectionDto {
  @ApiProperty({ description: 'Lý do đính chính' })
  @IsString({ message: 'Hãy ghi lý do đính chính (từ 3 đến 500 ký tự).' })
  @Length(3, 500, { message: 'Hãy ghi lý do đính chính (từ 3 đến 500 ký tự).' })
  reason!: string;

  @ApiPropertyOptional({ enum: LOGBOOK_RESULTS })
  @IsOptional()
  @IsIn(LOGBOOK_RESULTS)
  result?: LogbookResult;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 300)
  programmeTitle?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  chuyenMuc?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  topic?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  speakerClusters?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  detail?: string;
}
