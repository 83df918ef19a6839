import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { ChuyenMucService } from './chuyen-muc.service';
import { CreateChuyenMucDto, CreateTopicDto, UpdateChuyenMucDto } from './dto/chuyen-muc.dto';

@ApiTags('programmes')
@ApiBearerAuth()
@Controller('chuyen-muc')
export class ChuyenMucController {
  constructor(private readonly chuyenMuc: ChuyenMucService) {}

  @Get()
  list() {
    return this.chuyenMuc.list();
  }

  @Roles('admin')
  @Post()
  create(@Body() body: CreateChuyenMucDto) {
    return this.chuyenMuc.create(body.name, body.code, body.deadAirSeconds ?? null);
  }

  @Roles('admin')
  @Patch(':id')
  update(@Param('id', UuidParam) id: string, @Body() body: UpdateChuyenMucDto) {
    return this.chuyenMuc.setDeadAir(id, body.deadAirSeconds);
  }

  @Roles('admin')
  @Post(':id/topics')
  addTopic(@Param('id', UuidParam) id: string, @Body() body: CreateTopicDto) {
    return this.chuyenMuc.addTopic(id, body.name);
  }
}
