import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';

const PUBLIC_MESSAGE = 'Cho nghe lại công khai phải là true hoặc false';

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

  @ApiPropertyOptional({ description: 'Cho người dân nghe lại trên trang công khai sau khi phát; mặc định: có với chuyên mục CCHC và chương trình của cấp trên' })
  @IsOptional()
  @IsBoolean({ message: PUBLIC_MESSAGE })
  public?: boolean;
}

export class SetProgrammePublicDto {
  @ApiProperty({ description: 'Cho người dân nghe lại trên trang công khai của xã sau khi phát' })
  @IsBoolean({ message: PUBLIC_MESSAGE })
  public!: boolean;
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
