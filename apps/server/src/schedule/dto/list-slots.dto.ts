import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { SLOT_STATUSES, type SlotStatus } from '../slot.entity';
import { IsInstant } from '../../common/instant';

export class ListSlotsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional({ description: 'Từ thời điểm (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'Đến thời điểm (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ enum: SLOT_STATUSES })
  @IsOptional()
  @IsIn(SLOT_STATUSES)
  status?: SlotStatus;
}

export class TimelineQuery {
  @ApiProperty({ description: 'Từ thời điểm (ISO-8601)' })
  @IsInstant()
  from!: string;

  @ApiProperty({ description: 'Đến thời điểm (ISO-8601), tối đa 62 ngày sau "from"' })
  @IsInstant()
  to!: string;
}
