import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { CreateUserDto } from './dto/create-user.dto';
import { ResetPasswordDto, UpdateUserDto } from './dto/update-user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  list(@CurrentPrincipal() who: Principal) {
    return this.users.list(who);
  }

  @Post()
  create(@Body() body: CreateUserDto, @CurrentPrincipal() who: Principal) {
    return this.users.create(body, who);
  }

  @Patch(':id')
  update(@Param('id', UuidParam) id: string, @Body() body: UpdateUserDto, @CurrentPrincipal() who: Principal) {
    return this.users.update(id, body, who.kind === 'user' ? who.userId : '', who);
  }

  @Post(':id/password')
  resetPassword(@Param('id', UuidParam) id: string, @Body() body: ResetPasswordDto, @CurrentPrincipal() who: Principal) {
    return this.users.resetPassword(id, body.password, who);
  }
}
