import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles, ScopedBy } from '../auth/principal';
import { UuidParam } from '../common/params';
import { AgendaQuery, CreateAiringOrderDto } from './dto/airing-order.dto';
import { OperatorConsole } from './operator-console.service';

/** The commune station's own choices (TT39): what is coming, and the order of clashing priority items. */
@ApiTags('schedule')
@ApiBearerAuth()
@Controller('stations')
export class OperatorConsoleController {
  constructor(private readonly console: OperatorConsole) {}

  /** The station's coming airings, declined ones included, and its clashing priority pairs. */
  @ScopedBy('station')
  @Get(':id/agenda')
  agenda(@Param('id', UuidParam) id: string, @Query() query: AgendaQuery) {
    return this.console.agenda(id, query.days ?? 7);
  }

  @ScopedBy('station')
  @Get(':id/airing-orders')
  orders(@Param('id', UuidParam) id: string) {
    return this.console.orders(id);
  }

  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('station')
  @Post(':id/airing-orders')
  order(@Param('id', UuidParam) id: string, @Body() body: CreateAiringOrderDto, @CurrentPrincipal() who: Principal) {
    return this.console.setOrder(id, body, who);
  }

  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('station')
  @Delete(':id/airing-orders/:orderId')
  @HttpCode(204)
  async removeOrder(@Param('id', UuidParam) id: string, @Param('orderId', UuidParam) orderId: string, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.console.removeOrder(id, orderId, who);
  }
}
