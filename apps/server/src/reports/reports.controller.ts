import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { ReportQuery } from './dto/report-query.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('periodic')
  periodic(@Query() query: ReportQuery, @CurrentPrincipal() who: Principal) {
    return this.reports.reportFor(who, query);
  }

  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @Get('periodic.xlsx')
  async xlsx(@Query() query: ReportQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const plan = await this.reports.prepareExport(who, 'xlsx', query);
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="bao-cao-${query.year}-${query.period}.xlsx"`);
    await this.reports.writeExport(plan, res);
  }

  @ApiProduces('application/pdf')
  @Get('periodic.pdf')
  async pdf(@Query() query: ReportQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const plan = await this.reports.prepareExport(who, 'pdf', query);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="bao-cao-${query.year}-${query.period}.pdf"`);
    await this.reports.writeExport(plan, res);
  }
}
