import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { ImportUnitsDto, MergeUnitDto, UpdateUnitDto } from './dto/change-unit.dto';
import { CreateUnitDto } from './dto/create-unit.dto';
import { UnitsService } from './units.service';

@ApiTags('units')
@ApiBearerAuth()
@Controller('units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Get()
  list(@CurrentPrincipal() who: Principal) {
    return this.units.list(who);
  }

  @Roles('admin')
  @Post()
  create(@Body() body: CreateUnitDto, @CurrentPrincipal() who: Principal) {
    return this.units.create(body, who);
  }

  /** Every row checked before anything is written; a bad file changes nothing (422 `import_invalid`). */
  @Roles('admin')
  @Post('import')
  import(@Body() body: ImportUnitsDto, @CurrentPrincipal() who: Principal) {
    return this.units.importCsv(body.csv, who);
  }

  @Roles('admin')
  @Patch(':id')
  update(@Param('id', UuidParam) id: string, @Body() body: UpdateUnitDto, @CurrentPrincipal() who: Principal) {
    return this.units.update(id, body, who);
  }

  @Roles('admin')
  @Post(':id/merge')
  merge(@Param('id', UuidParam) id: string, @Body() body: MergeUnitDto, @CurrentPrincipal() who: Principal) {
    return this.units.merge(id, body.intoId, who);
  }

  @Roles('admin')
  @Post(':id/retire')
  retire(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.units.retire(id, who);
  }
}
