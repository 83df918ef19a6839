import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

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
