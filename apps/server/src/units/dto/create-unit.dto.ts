import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

export class CreateUnitDto {
  @ApiProperty({ example: 'Xã Cẩm Bình' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'Xã', description: 'Tên cấp: Tỉnh, Huyện, Xã, Phường…' })
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  kind!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  parentId?: string;

  @ApiPropertyOptional({ example: 'HT-CX-CB' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,50}$/)
  code?: string;
}
