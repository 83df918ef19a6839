import { Body, Controller, Get, Logger, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { LogbookService } from '../logbook/logbook.service';
import { DossierService } from './dossier.service';
import { CloseDossierDto, ClosuresQuery, DossierQuery } from './dto/dossier.dto';

@ApiTags('logbook')
@ApiBearerAuth()
@Controller('logbook/dossier')
export class DossierController {
  private readonly log = new Logger('Dossier');

  constructor(
    private readonly dossier: DossierService,
    private readonly logbook: LogbookService,
  ) {}

  /** The dossier as a ZIP, streamed; everything is checked before the first byte, so errors stay JSON. */
  @ApiProduces('application/zip')
  @Get()
  async download(@Query() query: DossierQuery, @CurrentPrincipal() who: Principal, @Res() res: Response): Promise<void> {
    const plan = await this.dossier.prepare(who, query);
    await this.logbook.recordExport(who, 'dossier.zip', { ...plan.filter, audio: plan.audio });
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="ho-so-tuyen-truyen-${plan.filter.from.slice(0, 10)}-${plan.filter.to.slice(0, 10)}.zip"`);
    try {
      await this.dossier.write(plan, res);
    } catch (err) {
      // Headers are gone: the cut connection is the only signal left, and a cut ZIP fails every check.
      this.log.error(`dossier failed: ${err instanceof Error ? err.message : String(err)}`);
      res.destroy();
    }
  }

  @Get('closures')
  closures(@Query() query: ClosuresQuery, @CurrentPrincipal() who: Principal) {
    return this.dossier.closures(who, query.stationId);
  }

  @Roles('inspector', 'admin')
  @Post('closures')
  close(@Body() dto: CloseDossierDto, @CurrentPrincipal() who: Principal) {
    return this.dossier.close(who, dto);
  }
}
