import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class DeclareDayOffDto {
  @ApiProperty({ example: '2027-02-11', description: 'Ngày nghỉ (NNNN-TT-NN)' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'Ngày nghỉ phải có dạng NNNN-TT-NN.' })
  date!: string;

  @ApiProperty({ example: 'Nghỉ bù Tết Nguyên Đán' })
  @IsString()
  @Matches(/\S/, { message: 'Cần ghi tên ngày nghỉ.' })
  @MaxLength(200)
  name!: string;
}
