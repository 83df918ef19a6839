import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { SLOT_STATUSES, type SlotStatus } from '../slot.entity';

export class ListSlotsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional({ description: 'Từ thời điểm (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Đến thời điểm (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: SLOT_STATUSES })
  @IsOptional()
  @IsIn(SLOT_STATUSES)
  status?: SlotStatus;
}

export class TimelineQuery {
  @ApiProperty({ description: 'Từ thời điểm (ISO-8601)' })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiProperty({ description: 'Đến thời điểm (ISO-8601), tối đa 62 ngày sau "from"' })
  @IsISO8601({ strict: true })
  to!: string;
}
