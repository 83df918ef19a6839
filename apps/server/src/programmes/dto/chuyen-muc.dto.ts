import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class CreateChuyenMucDto {
  @ApiProperty({ example: 'Chuyển đổi số' })
  @IsString()
  @Matches(/\S/)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'CDS' })
  @Matches(/^[A-Za-z0-9_-]{1,50}$/, { message: 'Mã chuyên mục chỉ gồm chữ, số, "-" và "_"' })
  code!: string;
}

export class CreateTopicDto {
  @ApiProperty({ example: 'Dịch vụ công trực tuyến' })
  @IsString()
  @Matches(/\S/)
  @MaxLength(200)
  name!: string;
}
