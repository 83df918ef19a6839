import { Injectable } from '@nestjs/common';
import { AGENT_WS_PATH, PROTOCOL_VERSION, toInstant } from '@loa/protocol';
import { hashToken, newStationToken } from '../auth/password';
import { LoginLimiter, MemoryFailureStore } from '../auth/login-limiter';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { DomainEvents } from '../common/events';
import { hashEnrolmentCode, newEnrolmentCode, normaliseEnrolmentCode } from './enrolment-code';
import { EnrolmentRepository } from './enrolment.repository';
import { StationsService, toPublicStation } from './stations.service';

export const ENROLMENT_TTL_MS = 24 * 3600_000;
/** Wrong codes allowed per address within the window: 8 characters of 31 leave nothing to guess at this rate. */
export const ENROLMENT_MAX_FAILURES = 10;
export const ENROLMENT_WINDOW_MS = 15 * 60_000;

@Injectable()
export class EnrolmentService {
  private readonly limiter: LoginLimiter;

  constructor(
    private readonly enrolments: EnrolmentRepository,
    private readonly stations: StationsService,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {
    this.limiter = new LoginLimiter(
      () => this.clock.now(),
      { perName: ENROLMENT_MAX_FAILURES, perNameWindowMs: ENROLMENT_WINDOW_MS, perAddress: ENROLMENT_MAX_FAILURES, perAddressWindowMs: ENROLMENT_WINDOW_MS },
      new MemoryFailureStore(),
      'enrol',
    );
  }

  /** A new code for the station; any earlier code not yet used stops working. The code is shown only here. */
  async issue(stationId: string) {
    await this.stations.get(stationId);
    const code = newEnrolmentCode();
    const now = this.clock.now();
    const expiresAt = toInstant(now + ENROLMENT_TTL_MS);
    await this.enrolments.replaceOpenCode({
      stationId,
      codeHash: hashEnrolmentCode(normaliseEnrolmentCode(code)!),
      createdAt: toInstant(now),
      expiresAt,
    });
    return { code, expiresAt };
  }

  /**
   * Exchanges a code for the station's token, which is created (or replaced) at this moment and returned
   * once. `address` is the caller's IP: wrong codes are counted per address.
   */
  async exchange(typed: string, address: string) {
    const blocked = await this.limiter.blocked('enrol', address);
    if (blocked !== null) {
      const seconds = Math.max(1, Math.ceil((blocked.until - this.clock.now()) / 1000));
      throw new LoaError(
        'too_many_requests',
        `Nhập sai mã đăng ký quá nhiều lần. Vui lòng thử lại sau khoảng ${Math.ceil(seconds / 60)} phút.`,
        { retryAfterSeconds: seconds },
      );
    }
    const normalised = normaliseEnrolmentCode(typed);
    const refuse = (error: LoaError) => {
      if (error.code === 'enrolment_code_invalid') void this.limiter.fail('enrol', address);
      return error;
    };
    if (!normalised) throw refuse(invalid());
    const now = this.clock.nowInstant();
    const token = newStationToken();

    const station = await this.enrolments.redeem(hashEnrolmentCode(normalised), now, { tokenHash: hashToken(token), tokenHint: token.slice(0, 12) }, (enrolment) => {
      if (!enrolment) throw refuse(invalid());
      if (enrolment.usedAt !== null) throw refuse(used());
      if (enrolment.expiresAt <= now) throw refuse(expired());
    });
    if (station === 'claimed-meanwhile') throw refuse(used());
    if (station === 'station-gone') throw refuse(invalid());
    // An agent still connected with the token this one replaces is dropped.
    this.events.emit({ type: 'station.token-revoked', stationId: station.id });
    await this.limiter.succeed('enrol', address);
    return {
      station: { id: station.id, name: station.name, code: station.code, unitId: station.unitId, enrolledAt: station.enrolledAt },
      token,
      agentWsPath: AGENT_WS_PATH,
      protocol: PROTOCOL_VERSION,
    };
  }

  /** The station as listed, for answers that change it. */
  async publicStation(id: string) {
    return toPublicStation(await this.stations.get(id));
  }
}

const invalid = () => new LoaError('enrolment_code_invalid', 'Mã đăng ký không đúng. Hãy kiểm tra lại mã trên bảng điều khiển (8 ký tự, ví dụ K7QM-3XHP).');
const used = () => new LoaError('enrolment_code_used', 'Mã đăng ký này đã được dùng. Hãy nhờ quản trị viên cấp mã mới cho trạm.');
const expired = () => new LoaError('enrolment_code_expired', 'Mã đăng ký đã hết hạn (mã chỉ dùng được trong 24 giờ). Hãy nhờ quản trị viên cấp mã mới cho trạm.');
