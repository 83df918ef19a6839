import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** A text bulletin (tin bài, thông báo) to be read out by the speech engine. */
export class TtsRequestDto {
  @ApiProperty({ example: 'Từ ngày 05/11/2026, bà con có thể nộp 1.250 loại hồ sơ trực tuyến.', maxLength: 10000 })
  @IsString()
  @MinLength(1)
  @MaxLength(10000)
  @Matches(/\p{L}/u, { message: 'văn bản cần có chữ để đọc' })
  text!: string;

  @ApiPropertyOptional({ example: 'vi', description: 'Giọng đọc của bộ máy TTS; mặc định theo cấu hình (TTS_VOICE)' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_+-]{1,40}$/)
  voice?: string;

  @ApiPropertyOptional({ example: 'Cải cách hành chính', description: 'Chuyên mục: có thể có mức âm lượng riêng' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  chuyenMuc?: string;
}
