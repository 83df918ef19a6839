import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsInstant } from '../../common/instant';

export class AgendaQuery {
  @ApiPropertyOptional({ description: 'Số ngày tới (1–14, mặc định 7)', minimum: 1, maximum: 14 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'days phải là số ngày nguyên' })
  @Min(1, { message: 'days phải từ 1 đến 14' })
  @Max(14, { message: 'days phải từ 1 đến 14' })
  days?: number;
}

/** Two clashing priority airings of a station, in the order the station wants them to play. */
export class CreateAiringOrderDto {
  @ApiProperty({ description: 'Lịch phát của buổi phát trước' })
  @IsUUID('all', { message: 'firstSlotId không hợp lệ' })
  firstSlotId!: string;

  @ApiProperty({ description: 'Thời điểm (có múi giờ) của buổi phát trước, theo lịch', example: '2026-11-23T22:30:00.000Z' })
  @IsInstant()
  firstAt!: string;

  @ApiProperty({ description: 'Lịch phát của buổi phát sau (chờ buổi trước phát xong)' })
  @IsUUID('all', { message: 'secondSlotId không hợp lệ' })
  secondSlotId!: string;

  @ApiProperty({ description: 'Thời điểm (có múi giờ) của buổi phát sau, theo lịch' })
  @IsInstant()
  secondAt!: string;
}
