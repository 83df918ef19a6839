import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class CreateLanguageDto {
  @ApiProperty({ example: 'khb', description: 'Mã ISO 639 (2–3 chữ thường)' })
  @IsString({ message: 'Thiếu mã ngôn ngữ.' })
  @MaxLength(20, { message: 'Mã ngôn ngữ quá dài.' })
  code!: string;

  @ApiProperty({ example: 'Tiếng Lự' })
  @IsString({ message: 'Thiếu tên ngôn ngữ.' })
  @MaxLength(100, { message: 'Tên ngôn ngữ dài tối đa 100 ký tự.' })
  name!: string;
}
