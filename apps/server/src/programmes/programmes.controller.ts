import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { CreateProgrammeDto, CreateProgrammeVersionDto, SetProgrammePublicDto } from './dto/create-programme.dto';
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

  @Roles('admin', 'editor', 'operator')
  @Post(':id/versions')
  addVersion(@Param('id', UuidParam) id: string, @Body() body: CreateProgrammeVersionDto, @CurrentPrincipal() who: Principal) {
    return this.programmes.addVersion(id, body, who);
  }

  @Roles('admin', 'editor', 'operator')
  @Delete(':id/versions/:language')
  @HttpCode(204)
  removeVersion(@Param('id', UuidParam) id: string, @Param('language') language: string, @CurrentPrincipal() who: Principal) {
    return this.programmes.removeVersion(id, language, who);
  }

  /** Shows or hides the programme on the communes' public replay pages ("Nghe lại"). */
  @Roles('admin', 'editor', 'operator')
  @Patch(':id/public')
  setPublic(@Param('id', UuidParam) id: string, @Body() body: SetProgrammePublicDto, @CurrentPrincipal() who: Principal) {
    return this.programmes.setPublic(id, body.public, who);
  }
}
