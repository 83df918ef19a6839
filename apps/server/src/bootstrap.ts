import 'reflect-metadata';
import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { OwnFramesWsAdapter } from './agents/frames-adapter';
import { AppModule } from './app.module';
import { BUSY_MESSAGE, BUSY_RETRY_AFTER_S, PasswordHasher } from './auth/password-hasher';
import { validationPipe } from './common/validation';
import { keepDatabasePrivate } from './database/private-file';
import { AppConfig } from './config/app-config';
import { UsersService } from './users/users.service';
import { mountWebConsole } from './web/web-console';
import { agentDownloads } from './agent-install/agent-downloads';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug'];

/** Builds and starts the server; `npm start`, the demo and the tests all come through here. */
export async function startServer(config: AppConfig): Promise<INestApplication> {
  keepDatabasePrivate(config.databasePath);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  app.disable('x-powered-by');
  // Behind a reverse proxy, the client's address (for the sign-in limits and the audit) comes from
  // X-Forwarded-For, believed only when the proxy is one TRUST_PROXY names.
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders());
  app.use(shedSignInsWhenBusy(app.get(PasswordHasher)));
  app.setGlobalPrefix('api');
  // Agent frames are parsed by the gateway itself, against the protocol's schemas.
  app.useWebSocketAdapter(new OwnFramesWsAdapter(app));
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();

  const doc = new DocumentBuilder()
    .setTitle('Loa API')
    .setDescription('Lịch phát sóng, tiếp sóng và nhật ký tuyên truyền cho các trạm truyền thanh cơ sở.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, SwaggerModule.createDocument(app, doc));

  app.use(agentDownloads(config.agentBundleDir));
  mountWebConsole(app);

  await createFirstAdmin(app, config);
  await app.listen(config.port, config.host);
  return app;
}

/**
 * Headers for every answer, set through helmet. The console is one origin: its scripts, styles, fonts and
 * API calls (including the microphone's WebSocket) come from the server itself. Two allowances it needs:
 * inline styles (the calendar library injects its stylesheet at run time) and `blob:` scripts (the
 * microphone's AudioWorklet is loaded from a blob URL). No framing by other sites. HSTS is left to the
 * TLS proxy: on plain HTTP in a station's LAN it would mean nothing, and it belongs with the certificate.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", 'blob:'],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'", 'data:'],
        'media-src': ["'self'", 'blob:'],
        'connect-src': ["'self'"],
        'worker-src': ["'self'", 'blob:'],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
  });
}

/**
 * While every password check is taken, a sign-in is answered 429 before its body is read: a flood of them
 * then costs the server little more than reading the request line, and the stations' requests keep moving.
 */
function shedSignInsWhenBusy(hasher: PasswordHasher) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || req.path !== '/api/auth/login' || !hasher.full) return next();
    res.setHeader('Retry-After', String(BUSY_RETRY_AFTER_S));
    res.status(429).json({ statusCode: 429, code: 'too_many_requests', message: BUSY_MESSAGE, details: { retryAfterSeconds: BUSY_RETRY_AFTER_S } });
  };
}

async function createFirstAdmin(app: INestApplication, config: AppConfig): Promise<void> {
  if (!config.bootstrapAdminPassword) return;
  const users = app.get(UsersService);
  if ((await users.count()) > 0) return;
  await users.create({ username: 'admin', displayName: 'Quản trị hệ thống', password: config.bootstrapAdminPassword, role: 'admin' });
}
