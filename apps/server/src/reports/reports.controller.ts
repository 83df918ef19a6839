import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { issuerOf, LogbookService } from '../logbook/logbook.service';
import { ReportQuery } from './dto/report-query.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly logbook: LogbookService,
  ) {}

  @Get('periodic')
  async periodic(@Query() query: ReportQuery, @CurrentPrincipal() who: Principal) {
    return this.reports.report({ ...query, unitId: (await this.logbook.scope(who, { unitId: query.unitId })).unitId });
  }

  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @Get('periodic.xlsx')
  async xlsx(@Query() query: ReportQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const req = { ...query, unitId: (await this.logbook.scope(who, { unitId: query.unitId })).unitId };
    await this.logbook.recordExport(who, 'report.xlsx', req);
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="bao-cao-${query.year}-${query.period}.xlsx"`);
    await this.reports.exportXlsx(req, res, issuerOf(who));
  }

  @ApiProduces('application/pdf')
  @Get('periodic.pdf')
  async pdf(@Query() query: ReportQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const req = { ...query, unitId: (await this.logbook.scope(who, { unitId: query.unitId })).unitId };
    await this.logbook.recordExport(who, 'report.pdf', req);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="bao-cao-${query.year}-${query.period}.pdf"`);
    await this.reports.exportPdf(req, res, issuerOf(who));
  }
}
