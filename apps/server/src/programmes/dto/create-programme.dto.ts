import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';

export class CreateProgrammeDto {
  @ApiProperty({ example: 'Chuyên mục CCHC tháng 11: dịch vụ công trực tuyến' })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  title!: string;

  @ApiProperty({ example: 'Cải cách hành chính' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  chuyenMuc!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ description: 'Chủ đề trong chuyên mục (GET /api/chuyen-muc)' })
  @IsOptional()
  @IsUUID()
  topicId?: string;

  @ApiProperty({ description: 'Tệp âm thanh đã tải lên (POST /api/media)' })
  @IsUUID()
  mediaAssetId!: string;
}

export class CreateProgrammeVersionDto {
  @ApiProperty({ example: 'km', description: 'Mã ngôn ngữ (GET /api/languages), khác "vi"' })
  @IsString({ message: 'Thiếu mã ngôn ngữ.' })
  @MaxLength(20, { message: 'Mã ngôn ngữ quá dài.' })
  language!: string;

  @ApiProperty({ description: 'Tệp âm thanh của bản này, đã tải lên (POST /api/media) và chuyển đổi xong' })
  @IsUUID('all', { message: 'Tệp âm thanh không hợp lệ.' })
  mediaAssetId!: string;
}
