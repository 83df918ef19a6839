import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/principal';
import { CreateLanguageDto } from './dto/language.dto';
import { LanguagesService } from './languages.service';

@ApiTags('programmes')
@ApiBearerAuth()
@Controller('languages')
export class LanguagesController {
  constructor(private readonly languages: LanguagesService) {}

  @Get()
  list() {
    return this.languages.list();
  }

  @Roles('admin')
  @Post()
  create(@Body() body: CreateLanguageDto) {
    return this.languages.create(body.code, body.name);
  }
}
