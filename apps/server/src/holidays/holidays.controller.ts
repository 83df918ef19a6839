import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { DeclareDayOffDto } from './dto/declare-day-off.dto';
import { HolidaysService } from './holidays.service';

@ApiTags('holidays')
@ApiBearerAuth()
@Controller('holidays')
export class HolidaysController {
  constructor(private readonly holidays: HolidaysService) {}

  @ApiQuery({ name: 'from', description: 'Ngày đầu (NNNN-TT-NN)' })
  @ApiQuery({ name: 'to', description: 'Ngày cuối (NNNN-TT-NN), tính cả ngày này' })
  @Get()
  list(@Query('from') from: unknown, @Query('to') to: unknown) {
    return this.holidays.list(from, to);
  }

  @Roles('admin')
  @Post('days-off')
  declare(@Body() body: DeclareDayOffDto, @CurrentPrincipal() who: Principal) {
    return this.holidays.declare(body, who);
  }

  @Roles('admin')
  @Delete('days-off/:id')
  @HttpCode(204)
  remove(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.holidays.remove(id, who);
  }
}
