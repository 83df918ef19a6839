import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ALERT_CHANNELS, ALERT_KINDS, type AlertChannel, type AlertKind } from '@loa/api-types';

export class CreateAlertSubscriptionDto {
  @ApiProperty({ enum: ALERT_CHANNELS, description: 'webhook: POST JSON có chữ ký; email: thư qua SMTP' })
  @IsIn(ALERT_CHANNELS)
  channel!: AlertChannel;

  @ApiProperty({ example: 'https://canhbao.example.vn/loa', description: 'Địa chỉ webhook (http/https) hoặc địa chỉ e-mail' })
  @IsString()
  @Length(3, 500)
  target!: string;

  @ApiPropertyOptional({ description: 'Chỉ cảnh báo của các trạm thuộc đơn vị này (kể cả cấp dưới); bỏ trống: mọi trạm' })
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiPropertyOptional({ enum: ALERT_KINDS, isArray: true, description: 'Chỉ các loại cảnh báo này; bỏ trống: mọi loại' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(ALERT_KINDS.length)
  @IsIn(ALERT_KINDS, { each: true })
  kinds?: AlertKind[];
}
