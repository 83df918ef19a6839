import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsInstant } from '../../common/instant';

export class AuditQuery {
  @ApiPropertyOptional({ description: 'Bảng dữ liệu, ví dụ station, user, slot' })
  @IsOptional()
  @Matches(/^[a-z_]{1,50}$/, { message: 'Tên loại dữ liệu chỉ gồm chữ thường và dấu gạch dưới.' })
  entity?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  entityId?: string;

  @ApiPropertyOptional({ description: 'Mã người dùng hoặc mã trạm đã thực hiện thay đổi' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actorId?: string;

  @ApiPropertyOptional({ enum: ['insert', 'update', 'delete'] })
  @IsOptional()
  @IsIn(['insert', 'update', 'delete'])
  action?: 'insert' | 'update' | 'delete';

  @ApiPropertyOptional({ description: 'Từ thời điểm (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'Đến thời điểm, không gồm (ISO-8601)' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Trang sau: các mục có mã nhỏ hơn giá trị này (mới nhất trước)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;
}
