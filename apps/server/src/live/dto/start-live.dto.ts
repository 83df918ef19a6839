import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { LiveSourceKind } from '../live-relay.entity';
import { IsInstant } from '../../common/instant';

/** A live relay (tiếp sóng trực tiếp): what to air and on which stations. */
export class StartRelayDto {
  @ApiProperty({ example: 'Tiếp sóng bản tin thời sự tỉnh' })
  @IsString()
  @Length(1, 300)
  title!: string;

  @ApiProperty({ enum: ['programme', 'url', 'mic', 'text'], description: 'Chương trình đã lưu, luồng phát (Icecast/HLS), micro hoặc văn bản đọc bằng giọng máy' })
  @IsIn(['programme', 'url', 'mic', 'text'])
  sourceKind!: LiveSourceKind;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  programmeId?: string;

  @ApiPropertyOptional({ example: 'https://radio.example.vn/live.mp3' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ example: 'Bão số 5 sắp đổ bộ. Bà con khẩn trương chằng chống nhà cửa, không ra biển.', description: 'Văn bản để đọc (nguồn "text")' })
  @IsOptional()
  @IsString()
  @Length(1, 5000)
  text?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @ArrayMaxSize(5000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  stationIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Mọi trạm thuộc các đơn vị này (kể cả đơn vị cấp dưới)' })
  @IsOptional()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  unitIds?: string[];
}

/** An emergency announcement (thông báo khẩn cấp): preempts whatever plays; may repeat until it expires. */
export class StartEmergencyDto extends StartRelayDto {
  @ApiPropertyOptional({ default: 0, description: 'Số lần phát lại sau lần đầu' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  repeats?: number;

  @ApiPropertyOptional({ default: 0, description: 'Nghỉ giữa hai lần phát, giây' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(6 * 3600)
  intervalSeconds?: number;

  @ApiPropertyOptional({ description: 'Phát lại mỗi N giờ cho đến khi dừng hoặc hết hạn (tối đa 7 ngày); thay cho repeats/intervalSeconds' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(24)
  repeatEveryHours?: number;

  @ApiPropertyOptional({ example: '2026-11-24T18:00:00+07:00' })
  @IsOptional()
  @IsInstant()
  expiresAt?: string;
}
