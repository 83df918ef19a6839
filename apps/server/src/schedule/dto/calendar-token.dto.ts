import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const CALENDAR_LINK_DEFAULT_DAYS = 180;
export const CALENDAR_LINK_MAX_DAYS = 366;

export class IssueCalendarTokenDto {
  @ApiPropertyOptional({ example: 180, description: `Số ngày liên kết còn dùng được (1–${CALENDAR_LINK_MAX_DAYS}, mặc định ${CALENDAR_LINK_DEFAULT_DAYS})` })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CALENDAR_LINK_MAX_DAYS)
  days?: number;
}
