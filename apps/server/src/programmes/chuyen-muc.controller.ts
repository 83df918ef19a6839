import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
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

  /** Renames it and/or sets its dead-air threshold; chuyên mục are shared by every unit, so only a nationwide admin. */
  @Roles('admin')
  @Patch(':id')
  update(@Param('id', UuidParam) id: string, @Body() body: UpdateChuyenMucDto, @CurrentPrincipal() who: Principal) {
    return this.chuyenMuc.update(id, body, who);
  }

  @Roles('admin')
  @Post(':id/retire')
  @HttpCode(200)
  retire(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.chuyenMuc.retireAs(id, who);
  }

  @Roles('admin')
  @Patch('topics/:topicId')
  renameTopic(@Param('topicId', UuidParam) topicId: string, @Body() body: CreateTopicDto, @CurrentPrincipal() who: Principal) {
    return this.chuyenMuc.renameTopicAs(topicId, body.name, who);
  }

  @Roles('admin')
  @Post('topics/:topicId/retire')
  @HttpCode(200)
  retireTopic(@Param('topicId', UuidParam) topicId: string, @CurrentPrincipal() who: Principal) {
    return this.chuyenMuc.retireTopicAs(topicId, who);
  }

  @Roles('admin')
  @Post(':id/topics')
  addTopic(@Param('id', UuidParam) id: string, @Body() body: CreateTopicDto) {
    return this.chuyenMuc.addTopic(id, body.name);
  }
}
