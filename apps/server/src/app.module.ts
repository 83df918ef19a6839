import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentGateway } from './agents/agent.gateway';
import { AgentsController } from './agents/agents.controller';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthService, FAILURE_STORE } from './auth/auth.service';
import { MemoryFailureStore } from './auth/login-limiter';
import { PasswordHasher } from './auth/password-hasher';
import { SessionStreamsInterceptor } from './auth/session-streams.interceptor';
import { SessionRevocations } from './auth/sessions';
import { AccessModule } from './access/access.module';
import { AlertEvaluator } from './alerts/alert-evaluator';
import { AlertFactsReader } from './alerts/alert-facts';
import { AlertSender, MailChannel, WebhookChannel } from './alerts/alert-sender';
import { AlertsRepository } from './alerts/alerts.repository';
import { AlertDelivery, AlertRow, AlertSubscription } from './alerts/alert.entity';
import { AlertsController, StationHealthController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { AuditContextInterceptor } from './audit/audit-context.interceptor';
import { AuditController } from './audit/audit.controller';
import { AuditEntry } from './audit/audit-entry.entity';
import { AuditService } from './audit/audit.service';
import { AuditRepository } from './audit/audit.repository';
import { CapFeedPoller } from './cap/cap-feed';
import { CapController } from './cap/cap.controller';
import { CapAlert, CapRule, CapSource } from './cap/cap.entity';
import { CapService } from './cap/cap.service';
import { ClusterBus, LocalBus } from './cluster/cluster-bus';
import { NatsBus } from './cluster/nats-bus';
import { FAILURE_BUCKET_TTL_MS, SharedFailureStore } from './cluster/shared-failure-store';
import { StationPresence } from './cluster/station-presence';
import { Clock } from './common/clock';
import { ErrorFilter } from './common/error.filter';
import { DomainEvents } from './common/events';
import { AppConfig } from './config/app-config';
import { dataSourceOptions, openDatabase } from './database/data-source';
import { HealthController } from './health/health.controller';
import { HealthRepository } from './health/health.repository';
import { MissesRepository } from './logbook/misses.repository';
import { LogbookLinesRepository } from './logbook/logbook-lines.repository';
import { CapRepository } from './cap/cap.repository';
import { AlertFactsRepository } from './alerts/alert-facts.repository';
import { PlaybackRepository } from './playback/playback.repository';
import { UnitOfWork } from './database/unit-of-work';
import { HolidaysController } from './holidays/holidays.controller';
import { HolidaysRepository } from './holidays/holidays.repository';
import { HolidaysService } from './holidays/holidays.service';
import { LogbookExport } from './logbook/logbook-export.entity';
import { Leadership, createLeadership } from './leadership/leadership';
import { LiveHub } from './live/live-hub';
import { LiveMicGateway } from './live/live-mic.gateway';
import { LiveSourceFetcher } from './live/live-source';
import { LiveRelay, LiveRelayTarget } from './live/live-relay.entity';
import { LiveCluster } from './live/live-cluster';
import { LiveRelayLeaseRepository } from './live/live-relay-lease.repository';
import { LiveController } from './live/live.controller';
import { LiveService } from './live/live.service';
import { LiveAudience } from './live/live-audience';
import { LiveInputs } from './live/live-inputs';
import { LiveMicrophone } from './live/live-mic';
import { LiveQueries } from './live/live-queries';
import { LiveRecordings } from './live/live-recording';
import { LiveRelayRepository } from './live/live-relay.repository';
import { LiveRounds } from './live/live-rounds';
import { ActiveRelays } from './live/live-state';
import { LiveTakeover } from './live/live-takeover';
import { LogbookLine } from './logbook/logbook-line.entity';
import { LogbookSeal } from './logbook/logbook-seal.entity';
import { LogbookSealer } from './logbook/logbook-sealer';
import { MissSweeper } from './logbook/miss-sweeper';
import { SealKeys } from './logbook/seal-keys';
import { LogbookWriter } from './logbook/logbook-writer';
import { LogbookChainRepository } from './logbook/logbook-chain.repository';
import { LogbookController } from './logbook/logbook.controller';
import { DossierController } from './dossier/dossier.controller';
import { DossierService } from './dossier/dossier.service';
import { DossierRepository } from './dossier/dossier.repository';
import { LogbookService } from './logbook/logbook.service';
import { MediaModule } from './media/media.module';
import { DeadAirEvent } from './playback/dead-air-event.entity';
import { PlaybackEventRow } from './playback/playback-event.entity';
import { PlaybackService } from './playback/playback.service';
import { PlanTargetsController } from './plan-targets/plan-targets.controller';
import { PlanTargetsService } from './plan-targets/plan-targets.service';
import { ChuyenMucController } from './programmes/chuyen-muc.controller';
import { ChuyenMucService } from './programmes/chuyen-muc.service';
import { Programme } from './programmes/programme.entity';
import { ReportsController } from './reports/reports.controller';
import { ReportsService } from './reports/reports.service';
import { ProgrammesController } from './programmes/programmes.controller';
import { LanguagesController } from './languages/languages.controller';
import { LanguagesService } from './languages/languages.service';
import { LanguagesRepository, TypeormLanguagesRepository } from './languages/languages.repository';
import { ProgrammesService } from './programmes/programmes.service';
import { StationsRepository } from './stations/stations.repository';
import { CalendarController } from './schedule/calendar.controller';
import { CalendarService } from './schedule/calendar.service';
import { ScheduleHousekeeping } from './schedule/housekeeping';
import { ScheduleController, TimelineController } from './schedule/schedule.controller';
import { OperatorConsoleController } from './schedule/operator-console.controller';
import { SCHEDULE_PROVIDERS } from './schedule/schedule.providers';
import { ReplayController } from './replay/replay.controller';
import { REPLAY_PROVIDERS } from './replay/replay.providers';
import { Slot, SlotTarget } from './schedule/slot.entity';
import { StationGroupsController } from './stations/station-groups.controller';
import { StationGroupsService } from './stations/station-groups.service';
import { StationGroupsRepository } from './stations/station-groups.repository';
import { Station } from './stations/station.entity';
import { EnrolmentController } from './stations/enrolment.controller';
import { EnrolmentService } from './stations/enrolment.service';
import { EnrolmentRepository } from './stations/enrolment.repository';
import { StationEnrolment } from './stations/station-enrolment.entity';
import { StationsController } from './stations/stations.controller';
import { StationsService } from './stations/stations.service';
import { Unit } from './units/unit.entity';
import { UnitsController } from './units/units.controller';
import { UnitsRepository } from './units/units.repository';
import { UnitsService } from './units/units.service';
import { User } from './users/user.entity';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { UsersRepository } from './users/users.repository';

/**
 * Configuration, clock, the link to the other instances (NATS with NATS_URL, else none), the internal event
 * stream and which instance runs the once-per-deployment jobs, available everywhere.
 */
@Global()
@Module({})
class CoreModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        Clock,
        { provide: ClusterBus, useFactory: async (): Promise<ClusterBus> => (config.natsUrl ? NatsBus.connect(config.natsUrl) : new LocalBus()) },
        DomainEvents,
        { provide: Leadership, useFactory: () => createLeadership(config.database) },
      ],
      exports: [AppConfig, Clock, ClusterBus, DomainEvents, Leadership],
    };
  }
}

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forConfig(config),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(config.database),
          dataSourceFactory: (options) => openDatabase(options!),
        }),
        TypeOrmModule.forFeature([Unit, Station, StationEnrolment, User, Programme, Slot, SlotTarget, PlaybackEventRow, DeadAirEvent, LogbookLine, LogbookSeal, LogbookExport, LiveRelay, LiveRelayTarget, AuditEntry, CapSource, CapRule, CapAlert, AlertRow, AlertSubscription, AlertDelivery]),
        JwtModule.register({ secret: config.jwtSecret, signOptions: { expiresIn: config.jwtTtlSeconds } }),
        AccessModule,
        MediaModule,
      ],
      controllers: [
        HealthController,
        AuthController,
        UnitsController,
        StationsController,
        EnrolmentController,
        UsersController,
        ProgrammesController,
        LanguagesController,
        ScheduleController,
        TimelineController,
        OperatorConsoleController,
        StationGroupsController,
        ChuyenMucController,
        PlanTargetsController,
        CalendarController,
        ReplayController,
        DossierController,
        LogbookController,
        ReportsController,
        AgentsController,
        LiveController,
        AuditController,
        CapController,
        AlertsController,
        StationHealthController,
        HolidaysController,
      ],
      providers: [
        AuthService,
        PasswordHasher,
        {
          provide: FAILURE_STORE,
          inject: [ClusterBus],
          useFactory: async (bus: ClusterBus) => {
            const bucket = bus.bucket('logins', FAILURE_BUCKET_TTL_MS);
            return bucket ? new SharedFailureStore(await bucket) : new MemoryFailureStore();
          },
        },
        StationPresence,
        SessionRevocations,
        AuditService,
        AuditRepository,
        UsersService,
        UsersRepository,
        UnitsService,
        UnitsRepository,
        HolidaysService,
        HolidaysRepository,
        StationsService,
        EnrolmentService,
        EnrolmentRepository,
        ProgrammesService,
        LanguagesService,
        { provide: LanguagesRepository, useClass: TypeormLanguagesRepository },
        ...SCHEDULE_PROVIDERS,
        ...REPLAY_PROVIDERS,
        StationsRepository,
        HealthRepository,
        UnitOfWork,
        ScheduleHousekeeping,
        StationGroupsService,
        StationGroupsRepository,
        ChuyenMucService,
        PlanTargetsService,
        CalendarService,
        PlaybackService,
        PlaybackRepository,
        LogbookService,
        LogbookLinesRepository,
        LogbookChainRepository,
        LogbookWriter,
        LogbookSealer,
        MissSweeper,
        MissesRepository,
        SealKeys,
        ReportsService,
        DossierRepository,
        DossierService,
        AgentGateway,
        LiveHub,
        LiveSourceFetcher,
        LiveService,
        ActiveRelays,
        LiveRelayRepository,
        LiveRecordings,
        LiveRounds,
        LiveInputs,
        LiveTakeover,
        LiveAudience,
        LiveMicrophone,
        LiveQueries,
        LiveCluster,
        LiveRelayLeaseRepository,
        LiveMicGateway,
        CapService,
        CapRepository,
        CapFeedPoller,
        AlertFactsReader,
        AlertFactsRepository,
        AlertsRepository,
        AlertEvaluator,
        AlertSender,
        WebhookChannel,
        MailChannel,
        AlertsService,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: AuditContextInterceptor },
        { provide: APP_INTERCEPTOR, useClass: SessionStreamsInterceptor },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
