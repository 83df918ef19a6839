import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

export class UpdateUnitDto {
  @ApiPropertyOptional({ example: 'Xã Cẩm Bình' })
  @IsOptional()
  @IsString()
  @Matches(/\S/, { message: 'Tên đơn vị không được để trống.' })
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'Xã' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  kind?: string;

  @ApiPropertyOptional({ example: 'HT-CB' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,50}$/, { message: 'Mã đơn vị chỉ gồm chữ không dấu, số và các dấu - _ .' })
  code?: string;

  @ApiPropertyOptional({ description: 'Đơn vị cấp trên mới: đơn vị được chuyển cùng mọi đơn vị, trạm bên dưới' })
  @IsOptional()
  @IsUUID('all', { message: 'Đơn vị cấp trên không hợp lệ.' })
  parentId?: string;
}

export class MergeUnitDto {
  @ApiProperty({ description: 'Đơn vị nhận sáp nhập: giữ các trạm, chỉ tiêu và lịch sử của cả hai' })
  @IsUUID('all', { message: 'Đơn vị nhận sáp nhập không hợp lệ.' })
  intoId!: string;
}

export class ImportUnitsDto {
  @ApiProperty({ description: 'Nội dung tệp CSV: code,name,level,parent code', example: 'code,name,level,parent code\nHT,Tỉnh Hà Tĩnh,Tỉnh,\nHT-CB,Xã Cẩm Bình,Xã,HT' })
  @IsString({ message: 'Thiếu nội dung tệp CSV.' })
  @MaxLength(2_000_000, { message: 'Tệp CSV quá lớn (tối đa khoảng 2 MB).' })
  csv!: string;
}
