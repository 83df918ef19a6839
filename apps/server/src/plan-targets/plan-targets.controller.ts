import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { ComplianceQuery, CreatePlanTargetDto, UpdatePlanTargetDto } from './dto/plan-target.dto';
import { PlanTargetsService } from './plan-targets.service';

@ApiTags('plan-targets')
@ApiBearerAuth()
@Controller('plan-targets')
export class PlanTargetsController {
  constructor(private readonly targets: PlanTargetsService) {}

  @Get()
  list(@CurrentPrincipal() who: Principal) {
    return this.targets.list(who);
  }

  @Get('compliance')
  compliance(@Query() query: ComplianceQuery, @CurrentPrincipal() who: Principal) {
    return this.targets.compliance(query.from, query.to, who);
  }

  @Roles('admin', 'approver')
  @Post()
  create(@Body() body: CreatePlanTargetDto, @CurrentPrincipal() who: Principal) {
    return this.targets.create(body, who.kind === 'user' ? who.userId : null, who);
  }

  @Roles('admin', 'approver')
  @Patch(':id')
  update(@Param('id', UuidParam) id: string, @Body() body: UpdatePlanTargetDto, @CurrentPrincipal() who: Principal) {
    return this.targets.update(id, body, who);
  }
}
