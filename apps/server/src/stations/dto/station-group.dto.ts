import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

export class CreateStationGroupDto {
  @ApiProperty({ example: 'Các xã ven biển' })
  @IsString()
  @Matches(/\S/)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ type: [String] })
  @ArrayMaxSize(5000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  stationIds!: string[];
}

export class CreateClusterDto {
  @ApiProperty({ example: 'Cụm loa thôn Đông' })
  @IsString()
  @Matches(/\S/)
  @MaxLength(200)
  name!: string;
}
