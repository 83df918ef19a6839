import 'reflect-metadata';
import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { OwnFramesWsAdapter } from './agents/frames-adapter';
import { AppModule } from './app.module';
import { validationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { UsersService } from './users/users.service';
import { mountWebConsole } from './web/web-console';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug'];

/** Builds and starts the server; `npm start`, the demo and the tests all come through here. */
export async function startServer(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
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

  mountWebConsole(app);

  await createFirstAdmin(app, config);
  await app.listen(config.port, config.host);
  return app;
}

async function createFirstAdmin(app: INestApplication, config: AppConfig): Promise<void> {
  if (!config.bootstrapAdminPassword) return;
  const users = app.get(UsersService);
  if ((await users.count()) > 0) return;
  await users.create({ username: 'admin', displayName: 'Quản trị hệ thống', password: config.bootstrapAdminPassword, role: 'admin' });
}
