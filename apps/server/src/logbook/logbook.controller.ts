import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { once } from 'node:events';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { LoaError } from '../common/errors';
import { StationsService } from '../stations/stations.service';
import { LogbookQuery } from './dto/logbook-query.dto';
import { LogbookFilter, LogbookService } from './logbook.service';

@ApiTags('logbook')
@ApiBearerAuth()
@Controller('logbook')
export class LogbookController {
  constructor(
    private readonly logbook: LogbookService,
    private readonly stations: StationsService,
  ) {}

  @Get()
  async list(@Query() query: LogbookQuery, @CurrentPrincipal() who: Principal) {
    return this.logbook.list(await this.scoped(query, who), { limit: query.limit ?? 200, after: query.after ?? 0 });
  }

  @ApiProduces('text/csv')
  @Get('export.csv')
  async csv(@Query() query: LogbookQuery, @Res() res: Response, @CurrentPrincipal() who: Principal): Promise<void> {
    const filter = await this.scoped(query, who);
    const day = new Date().toISOString().slice(0, 10);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="nhat-ky-tuyen-truyen-${day}.csv"`);
    await this.logbook.exportCsv(filter, async (chunk) => {
      if (!res.write(chunk)) await once(res, 'drain');
    });
    res.end();
  }

  /** The filter narrowed to what the caller may read: a commune operator reads its own unit's lines only. */
  private async scoped(query: LogbookQuery, who: Principal): Promise<LogbookFilter> {
    const scope = await this.stations.unitScope(who);
    if (scope === undefined) return query;
    if (who.kind !== 'user' || !who.unitId) {
      throw new LoaError('forbidden', 'Tài khoản chưa được xếp vào đơn vị nào nên chưa xem được nhật ký. Hãy liên hệ quản trị viên.');
    }
    if (query.unitId && !scope.includes(query.unitId)) {
      throw new LoaError('forbidden', 'Bạn chỉ xem được nhật ký của các trạm thuộc đơn vị mình.');
    }
    return { ...query, unitId: query.unitId ?? who.unitId };
  }
}
