import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
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
}
