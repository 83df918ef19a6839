import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { REPORT_PERIODS, type ReportPeriod, type WindowConvention } from '../report-math';

export class ReportQuery {
  @ApiProperty({ enum: REPORT_PERIODS, description: 'Q1–Q4: quý; H1: 6 tháng; M9: 9 tháng; Y: năm' })
  @IsIn(REPORT_PERIODS)
  period!: ReportPeriod;

  @ApiProperty()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year!: number;

  @ApiPropertyOptional({ enum: ['cchc', 'calendar'], default: 'cchc', description: 'cchc: từ ngày 15 tháng cuối kỳ trước đến ngày 14; calendar: theo tháng dương lịch' })
  @IsOptional()
  @IsIn(['cchc', 'calendar'])
  convention?: WindowConvention;

  @ApiPropertyOptional({ description: 'Mọi trạm thuộc đơn vị này, kể cả đơn vị cấp dưới' })
  @IsOptional()
  @IsUUID()
  unitId?: string;
}
