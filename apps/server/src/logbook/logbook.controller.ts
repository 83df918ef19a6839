import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { CorrectionDto } from './dto/correction.dto';
import { ExportListQuery } from './dto/export-list.dto';
import { LogbookFilterQuery, LogbookQuery, VerifyQuery } from './dto/logbook-query.dto';
import { LogbookService } from './logbook.service';
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
  list(@Query() query: LogbookQuery, @CurrentPrincipal() who: Principal) {
    const { limit, after, ...filter } = query;
    return this.logbook.listFor(who, filter, { limit: limit ?? 200, after: after ?? 0 });
  }

  @Get('verify')
  verify(@Query() query: VerifyQuery, @CurrentPrincipal() who: Principal) {
    return this.logbook.verifyFor(who, query);
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
    const plan = await this.logbook.prepareExport(who, 'csv', query);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName('csv', this.clock.now())}"`);
    await this.logbook.writeExport(plan, res);
  }

  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @Get('export.xlsx')
  async xlsx(@Query() query: LogbookFilterQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const plan = await this.logbook.prepareExport(who, 'xlsx', query);
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName('xlsx', this.clock.now())}"`);
    await this.logbook.writeExport(plan, res);
  }

  @ApiProduces('application/pdf')
  @Get('export.pdf')
  async pdf(@Query() query: LogbookFilterQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const plan = await this.logbook.prepareExport(who, 'pdf', query);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName('pdf', this.clock.now())}"`);
    await this.logbook.writeExport(plan, res);
  }
}

function fileName(ext: string, now: number): string {
  return `nhat-ky-tuyen-truyen-${dayOf(now)}.${ext}`;
}
