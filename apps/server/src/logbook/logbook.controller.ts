import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { once } from 'node:events';
import { LogbookQuery } from './dto/logbook-query.dto';
import { LogbookService } from './logbook.service';

@ApiTags('logbook')
@ApiBearerAuth()
@Controller('logbook')
export class LogbookController {
  constructor(private readonly logbook: LogbookService) {}

  @Get()
  list(@Query() query: LogbookQuery) {
    return this.logbook.list(query, { limit: query.limit ?? 200, after: query.after ?? 0 });
  }

  @ApiProduces('text/csv')
  @Get('export.csv')
  async csv(@Query() query: LogbookQuery, @Res() res: Response): Promise<void> {
    const day = new Date().toISOString().slice(0, 10);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="nhat-ky-tuyen-truyen-${day}.csv"`);
    await this.logbook.exportCsv(query, async (chunk) => {
      if (!res.write(chunk)) await once(res, 'drain');
    });
    res.end();
  }
}
