import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { TIME_OF_DAY } from '@loa/protocol';

export class CreateStationDto {
  @ApiProperty()
  @IsUUID()
  unitId!: string;

  @ApiProperty({ example: 'Đài truyền thanh xã Cẩm Bình' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'cam-binh', description: 'Mã trạm: chữ không dấu, số, gạch ngang' })
  @Matches(/^[A-Za-z0-9_.-]{1,50}$/, { message: 'Mã trạm chỉ gồm chữ không dấu, số và các dấu - _ .' })
  code!: string;
}

export class UpdateStationDto {
  @ApiPropertyOptional({ example: 'Đài truyền thanh xã Cẩm Bình' })
  @IsOptional()
  @IsString()
  @Matches(/\S/, { message: 'Tên trạm không được để trống.' })
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: 'Chuyển trạm sang đơn vị này' })
  @IsOptional()
  @IsUUID('all', { message: 'Đơn vị không hợp lệ.' })
  unitId?: string;

  @ApiPropertyOptional({ example: '21:30', nullable: true, description: 'Đầu giờ yên lặng (GG:PP, giờ địa phương); null để bỏ' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(TIME_OF_DAY, { message: 'Giờ yên lặng phải có dạng GG:PP, ví dụ 21:30.' })
  quietStart?: string | null;

  @ApiPropertyOptional({ example: '06:00', nullable: true, description: 'Cuối giờ yên lặng (GG:PP); trước giờ đầu nghĩa là sang ngày hôm sau' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(TIME_OF_DAY, { message: 'Giờ yên lặng phải có dạng GG:PP, ví dụ 06:00.' })
  quietEnd?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['km', 'vi'], description: 'Ngôn ngữ ưu tiên của trạm (mã ở GET /api/languages), theo thứ tự; [] để chỉ phát tiếng Việt' })
  @IsOptional()
  @IsArray({ message: 'Ngôn ngữ ưu tiên phải là danh sách mã ngôn ngữ.' })
  @ArrayMaxSize(10, { message: 'Chỉ chọn tối đa 10 ngôn ngữ ưu tiên.' })
  @IsString({ each: true, message: 'Mỗi ngôn ngữ ưu tiên là một mã ngôn ngữ, ví dụ "km".' })
  @MaxLength(20, { each: true, message: 'Mã ngôn ngữ quá dài.' })
  languages?: string[];
}
