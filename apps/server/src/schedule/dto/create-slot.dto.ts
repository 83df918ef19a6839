import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { DATE_TIME, type Priority, type SlotSource, type StartMode } from '@loa/protocol';
import { HOLIDAY_RULES, type HolidayRule } from '@loa/api-types';
import { IsInstant } from '../../common/instant';

export class CreateSlotDto {
  @ApiProperty()
  @IsUUID()
  programmeId!: string;

  @ApiProperty({
    example: '2026-11-24T05:30',
    description: 'Buổi phát đầu tiên: giờ địa phương theo timeZone ("2026-11-24T05:30"), hoặc ISO-8601 có múi giờ ("…+07:00", "…Z")',
  })
  @IsString()
  @Matches(DATE_TIME, { message: 'startAt phải là thời điểm dạng 2026-11-24T05:30' })
  startAt!: string;

  @ApiPropertyOptional({ example: 'Asia/Ho_Chi_Minh', description: 'Múi giờ của giờ phát và quy tắc lặp (mặc định LOA_TIMEZONE)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({
    example: 'FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20261231T235959',
    description: 'Quy tắc lặp RFC 5545 (không có DTSTART), ví dụ hằng ngày lúc 05:00 và 17:00: FREQ=DAILY;BYHOUR=5,17 (tối đa 48 buổi mỗi ngày); bỏ trống: phát một lần',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  rule?: string;

  @ApiPropertyOptional({ type: [String], example: ['2026-12-25T05:30'], description: 'Các buổi bỏ qua (giờ địa phương)' })
  @IsOptional()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(23, { each: true })
  exdates?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Các trạm phát' })
  @IsOptional()
  @ArrayMaxSize(5000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  stationIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Các nhóm trạm' })
  @IsOptional()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  groupIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Các cụm loa (của một trạm)' })
  @IsOptional()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  clusterIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Các đơn vị: mọi trạm thuộc đơn vị, kể cả trạm thêm sau' })
  @IsOptional()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  unitIds?: string[];

  @ApiPropertyOptional({ enum: ['normal', 'priority', 'emergency'], default: 'normal', description: 'thông thường / ưu tiên / khẩn cấp' })
  @IsOptional()
  @IsIn(['normal', 'priority', 'emergency'])
  priority?: Priority;

  @ApiPropertyOptional({ enum: ['relay', 'local', 'emergency'], description: 'tiếp sóng đài cấp trên / chương trình của xã / khẩn cấp' })
  @IsOptional()
  @IsIn(['relay', 'local', 'emergency'])
  source?: SlotSource;

  @ApiPropertyOptional({ enum: ['hard', 'soft', 'wait'], default: 'hard', description: 'hard: cắt chương trình đang phát; soft: phát sau khi nó kết thúc; wait: chờ tối đa waitMs rồi cắt' })
  @IsOptional()
  @IsIn(['hard', 'soft', 'wait'])
  startMode?: StartMode;

  @ApiPropertyOptional({ description: 'Với startMode "wait": số mili giây chờ tối đa' })
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  waitMs?: number;

  @ApiPropertyOptional({ enum: HOLIDAY_RULES, default: 'play', description: 'Buổi phát rơi vào ngày lễ, Tết hoặc ngày nghỉ được công bố: play (vẫn phát), skip (bỏ), move (dời sang ngày làm việc kế tiếp)' })
  @IsOptional()
  @IsIn(HOLIDAY_RULES, { message: 'Cách xử lý ngày lễ phải là play, skip hoặc move.' })
  holidayRule?: HolidayRule;

  @ApiPropertyOptional({ enum: ['draft', 'submitted', 'approved'], description: 'Mặc định: đã duyệt nếu người tạo có quyền duyệt, nếu không thì chờ duyệt' })
  @IsOptional()
  @IsIn(['draft', 'submitted', 'approved'])
  status?: 'draft' | 'submitted' | 'approved';
}

export class RejectSlotDto {
  @ApiProperty({ example: 'Trùng giờ họp dân, đề nghị dời sang 17:00' })
  @IsString()
  @Matches(/\S/, { message: 'Cần ghi lý do từ chối' })
  @MaxLength(1000)
  reason!: string;
}

export class EditAiringDto {
  @ApiProperty({ description: 'Thời điểm (UTC, ISO-8601) của buổi phát theo lịch', example: '2026-11-23T22:30:00.000Z' })
  @IsInstant()
  occurrenceAt!: string;

  @ApiProperty({ enum: ['cancel', 'move'] })
  @IsIn(['cancel', 'move'])
  action!: 'cancel' | 'move';

  @ApiPropertyOptional({ description: 'Với "move": giờ mới (giờ địa phương hoặc có múi giờ)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  moveTo?: string;

  @ApiPropertyOptional({ description: 'Chỉ trên trạm này; bỏ trống: trên mọi trạm của lịch' })
  @IsOptional()
  @IsUUID()
  stationId?: string;

  @ApiPropertyOptional({ description: 'Với "cancel": lý do trạm xã không phát (ghi vào nhật ký)', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500, { message: 'Lý do không phát dài quá 500 ký tự.' })
  reason?: string;
}

/** What may change on an existing slot: when and how it airs. Targets and programme make a new slot. */
export class UpdateSlotDto {
  @ApiPropertyOptional({ example: '2026-11-24T06:00' })
  @IsOptional()
  @IsString()
  @Matches(DATE_TIME, { message: 'startAt phải là thời điểm dạng 2026-11-24T05:30' })
  startAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({ description: 'Quy tắc lặp mới; null: chỉ phát một lần', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  rule?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(23, { each: true })
  exdates?: string[];

  @ApiPropertyOptional({ enum: ['hard', 'soft', 'wait'] })
  @IsOptional()
  @IsIn(['hard', 'soft', 'wait'])
  startMode?: StartMode;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  waitMs?: number;

  @ApiPropertyOptional({ enum: ['normal', 'priority', 'emergency'] })
  @IsOptional()
  @IsIn(['normal', 'priority', 'emergency'])
  priority?: Priority;

  @ApiPropertyOptional({ enum: HOLIDAY_RULES, default: 'play', description: 'Buổi phát rơi vào ngày lễ, Tết hoặc ngày nghỉ được công bố: play (vẫn phát), skip (bỏ), move (dời sang ngày làm việc kế tiếp)' })
  @IsOptional()
  @IsIn(HOLIDAY_RULES, { message: 'Cách xử lý ngày lễ phải là play, skip hoặc move.' })
  holidayRule?: HolidayRule;
}
