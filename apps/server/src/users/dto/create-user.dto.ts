import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '../../auth/principal';

export class CreateUserDto {
  @ApiProperty({ example: 'bientap' })
  @Matches(/^[a-z0-9_.-]{3,100}$/, { message: 'Tên đăng nhập gồm 3–100 ký tự: chữ thường không dấu, số, . _ -' })
  username!: string;

  @ApiProperty({ example: 'Nguyễn Văn An' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName!: string;

  @ApiProperty({ minLength: 10 })
  @IsString()
  @MinLength(10, { message: 'Mật khẩu cần ít nhất 10 ký tự.' })
  @MaxLength(200)
  password!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  unitId?: string;
}
