import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { CurrentPrincipal, Principal, Public } from './principal';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto, @Req() req: Request) {
    return this.auth.login(body.username, body.password, clientAddress(req));
  }

  @ApiBearerAuth()
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  /** Ends every session of the signed-in user, on every device, and closes their open streams. */
  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.logout(principal);
  }

  /** A new password for the signed-in user; every session ends, so sign in again with it. */
  @ApiBearerAuth()
  @Post('password')
  @HttpCode(204)
  async changePassword(@Body() body: ChangePasswordDto, @CurrentPrincipal() principal: Principal, @Req() req: Request): Promise<void> {
    await this.auth.changePassword(principal, body.currentPassword, body.newPassword, clientAddress(req));
  }
}

/** The client's address: Express reads X-Forwarded-For only from the proxies TRUST_PROXY names. */
function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? '';
}
