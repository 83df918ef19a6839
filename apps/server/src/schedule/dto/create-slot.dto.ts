import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import type { Priority, SlotSource } from '@loa/protocol';

export class CreateSlotDto {
  @ApiProperty()
  @IsUUID()
  programmeId!: string;

  @ApiProperty({
    example: '2026-11-24T05:30:00+07:00',
    description: 'Thời điểm phát, ISO-8601 có múi giờ (giờ Việt Nam +07:00 hoặc UTC "Z")',
  })
  @IsISO8601({ strict: true, strictSeparator: true })
  startAt!: string;

  @ApiProperty({ type: [String], description: 'Các trạm phát' })
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  stationIds!: string[];

  @ApiPropertyOptional({ enum: ['normal', 'priority', 'emergency'], default: 'normal' })
  @IsOptional()
  @IsIn(['normal', 'priority', 'emergency'])
  priority?: Priority;

  @ApiPropertyOptional({ enum: ['relay', 'local', 'emergency'], default: 'relay' })
  @IsOptional()
  @IsIn(['relay', 'local', 'emergency'])
  source?: SlotSource;
}
