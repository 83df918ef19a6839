import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentPrincipal, Principal, Public, Roles } from '../auth/principal';
import { LoaError } from '../common/errors';
import { UuidParam } from '../common/params';
import { MAX_CAP_BYTES } from './cap-parse';
import { CreateCapRuleDto, CreateCapSourceDto } from './cap.dto';
import { CapService } from './cap.service';

/** The request body as text, refused past the CAP size limit without reading the rest. */
export async function readLimited(req: Request, limit: number): Promise<string> {
  if (req.readableEnded) throw new LoaError('cap_invalid', 'Hãy gửi bản tin CAP dạng XML (Content-Type: application/xml).');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new LoaError('payload_too_large', 'Bản tin CAP quá lớn.', { limitBytes: limit });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.destroy();
      throw new LoaError('payload_too_large', 'Bản tin CAP quá lớn.', { limitBytes: limit });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

@ApiTags('cap')
@ApiBearerAuth()
@Controller('cap')
export class CapController {
  constructor(private readonly cap: CapService) {}

  /** A CAP 1.2 alert from a configured source, authenticated by that source's token (not a user's sign-in). */
  @Public()
  @Post()
  @HttpCode(200)
  async receive(@Req() req: Request) {
    const header = req.headers['authorization'];
    const token = typeof header === 'string' && /^Bearer \S+$/.test(header) ? header.slice(7) : null;
    const source = await this.cap.sourceForToken(token);
    const xml = await readLimited(req, MAX_CAP_BYTES);
    const { duplicate, alert } = await this.cap.receive(xml, `source:${source.id}`);
    return { duplicate, alert };
  }

  @Roles('admin', 'approver', 'editor')
  @Get('alerts')
  alerts(@CurrentPrincipal() who: Principal) {
    return this.cap.alertsFor(who);
  }

  @Roles('admin', 'approver')
  @Post('alerts/:id/approve')
  @HttpCode(200)
  approve(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.cap.approve(id, who);
  }

  @Roles('admin')
  @Post('sources')
  createSource(@Body() body: CreateCapSourceDto, @CurrentPrincipal() who: Principal) {
    return this.cap.createSource(body.name, who);
  }

  @Roles('admin')
  @Get('sources')
  sources() {
    return this.cap.listSources();
  }

  @Roles('admin')
  @Delete('sources/:id')
  @HttpCode(204)
  async deleteSource(@Param('id', UuidParam) id: string) {
    await this.cap.deleteSource(id);
  }

  @Roles('admin')
  @Post('rules')
  createRule(@Body() body: CreateCapRuleDto, @CurrentPrincipal() who: Principal) {
    return this.cap.createRule(body, who);
  }

  @Roles('admin', 'approver', 'editor')
  @Get('rules')
  rules(@CurrentPrincipal() who: Principal) {
    return this.cap.rulesFor(who);
  }

  @Roles('admin')
  @Delete('rules/:id')
  @HttpCode(204)
  async deleteRule(@Param('id', UuidParam) id: string) {
    await this.cap.deleteRule(id);
  }
}
