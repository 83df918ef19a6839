import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { ChuyenMucService } from './chuyen-muc.service';
import { CreateChuyenMucDto, CreateTopicDto } from './dto/chuyen-muc.dto';

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
    return this.chuyenMuc.create(body.name, body.code);
  }

  @Roles('admin')
  @Post(':id/topics')
  addTopic(@Param('id', UuidParam) id: string, @Body() body: CreateTopicDto) {
    return this.chuyenMuc.addTopic(id, body.name);
  }
}
