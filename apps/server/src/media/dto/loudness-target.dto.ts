import { ApiProperty } from '@nestjs/swagger';
import { IsNumber, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { LoudnessTarget } from '../loudness-target.entity';

export class SetLoudnessTargetDto {
  @ApiProperty({ example: 'Cải cách hành chính' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  chuyenMuc!: string;

  @ApiProperty({ example: -23, minimum: -31, maximum: -10, description: 'LUFS (EBU R128)' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-31)
  @Max(-10)
  targetLufs!: number;
}

export class LoudnessTargetDto {
  @ApiProperty()
  chuyenMuc!: string;

  @ApiProperty()
  targetLufs!: number;

  @ApiProperty({ type: String, nullable: true })
  updatedBy!: string | null;

  @ApiProperty()
  updatedAt!: string;

  static from(t: LoudnessTarget): LoudnessTargetDto {
    return Object.assign(new LoudnessTargetDto(), {
      chuyenMuc: t.chuyenMuc,
      targetLufs: t.targetLufs,
      updatedBy: t.updatedBy,
      updatedAt: t.updatedAt,
    });
  }
}
