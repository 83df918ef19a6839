import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { StationEnrolmentView } from '@loa/api-types';
import type { Request } from 'express';
import { Public, Roles, ScopedBy } from '../auth/principal';
import { UuidParam } from '../common/params';
import { EnrolDto } from './dto/enrol.dto';
import { EnrolmentService } from './enrolment.service';

@ApiTags('stations')
@Controller()
export class EnrolmentController {
  constructor(private readonly enrolment: EnrolmentService) {}

  /** A new one-time code for the station (valid 24 h); an earlier unused code stops working. */
  @ApiBearerAuth()
  @Roles('admin')
  @ScopedBy('station')
  @Post('stations/:id/enrolment')
  async issue(@Param('id', UuidParam) id: string): Promise<StationEnrolmentView> {
    const enrolment = await this.enrolment.issue(id);
    return { station: await this.enrolment.publicStation(id), enrolment };
  }

  /** `loa-agent enrol` calls this: the code, once, for the station's token. */
  @Public()
  @Post('agent/enrol')
  @HttpCode(200)
  enrol(@Body() body: EnrolDto, @Req() req: Request) {
    return this.enrolment.exchange(body.code, req.ip ?? req.socket.remoteAddress ?? '');
  }
}
