import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class EnrolDto {
  @ApiProperty({ example: 'K7QM-3XHP', description: 'Mã đăng ký một lần của trạm (8 ký tự, không phân biệt hoa thường, gạch ngang tuỳ ý)' })
  @IsString({ message: 'Thiếu mã đăng ký.' })
  @MaxLength(32, { message: 'Mã đăng ký quá dài.' })
  code!: string;
}
