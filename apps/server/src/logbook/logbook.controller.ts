import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { once } from 'node:events';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { CorrectionDto } from './dto/correction.dto';
import { ExportListQuery } from './dto/export-list.dto';
import { LogbookFilterQuery, LogbookQuery, VerifyQuery } from './dto/logbook-query.dto';
import { issuerOf, LogbookService } from './logbook.service';
import { dayOf } from '@loa/protocol';

const LineIdParam = new ParseIntPipe({ exceptionFactory: () => new LoaError('validation_failed', 'Mã dòng nhật ký không hợp lệ.') });

@ApiTags('logbook')
@ApiBearerAuth()
@Controller('logbook')
export class LogbookController {
  constructor(
    private readonly logbook: LogbookService,
    private readonly clock: Clock,
  ) {}

  @Get()
  async list(@Query() query: LogbookQuery, @CurrentPrincipal() who: Principal) {
    const { limit, after, ...filter } = query;
    return this.logbook.list(await this.logbook.scope(who, filter), { limit: limit ?? 200, after: after ?? 0 });
  }

  @Get('verify')
  async verify(@Query() query: VerifyQuery, @CurrentPrincipal() who: Principal) {
    const scope = await this.logbook.scope(who, { stationId: query.stationId });
    return this.logbook.verify(scope, { from: query.from, to: query.to });
  }

  /** The Ed25519 public keys seals are signed with (current and retired), to check seals anywhere. */
  @Get('keys')
  keys() {
    return this.logbook.publicKeys();
  }

  @Roles('admin')
  @Get('exports')
  exports(@Query() query: ExportListQuery) {
    return this.logbook.listExports(query.limit ?? 100);
  }

  @Roles('admin', 'editor')
  @Post(':id/corrections')
  correct(@Param('id', LineIdParam) id: number, @Body() dto: CorrectionDto, @CurrentPrincipal() who: Principal) {
    return this.logbook.correct(id, dto, who);
  }

  @ApiProduces('text/csv')
  @Get('export.csv')
  async csv(@Query() query: LogbookFilterQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const filter = await this.logbook.scope(who, query);
    await this.logbook.recordExport(who, 'logbook.csv', filter);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName('csv', this.clock.now())}"`);
    await this.logbook.exportCsv(filter, async (chunk) => {
      if (!res.write(chunk)) await once(res, 'drain');
    });
    res.end();
  }

  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @Get('export.xlsx')
  async xlsx(@Query() query: LogbookFilterQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const filter = await this.logbook.scope(who, query);
    await this.logbook.recordExport(who, 'logbook.xlsx', filter);
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName('xlsx', this.clock.now())}"`);
    await this.logbook.exportXlsx(filter, res, issuerOf(who));
  }

  @ApiProduces('application/pdf')
  @Get('export.pdf')
  async pdf(@Query() query: LogbookFilterQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const filter = await this.logbook.scope(who, query);
    await this.logbook.recordExport(who, 'logbook.pdf', filter);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName('pdf', this.clock.now())}"`);
    await this.logbook.exportPdf(filter, res, issuerOf(who));
  }
}

function fileName(ext: string, now: number): string {
  return `nhat-ky-tuyen-truyen-${dayOf(now)}.${ext}`;
}
