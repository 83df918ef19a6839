import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { CreateProgrammeDto } from './dto/create-programme.dto';
import { ProgrammesService } from './programmes.service';

@ApiTags('programmes')
@ApiBearerAuth()
@Controller('programmes')
export class ProgrammesController {
  constructor(private readonly programmes: ProgrammesService) {}

  @Get()
  list(@CurrentPrincipal() who: Principal) {
    return this.programmes.list(who);
  }

  @Get(':id')
  get(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.programmes.get(id, who);
  }

  @Roles('admin', 'editor', 'operator')
  @Post()
  create(@Body() body: CreateProgrammeDto, @CurrentPrincipal() who: Principal) {
    return this.programmes.create(body, who.kind === 'user' ? who.userId : null);
  }
}
