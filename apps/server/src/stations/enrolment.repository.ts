import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { StationEnrolment } from './station-enrolment.entity';
import { Station } from './station.entity';

/** The station's new sign-in token as stored: its hash and the first characters shown to staff. */
export interface StationCredentials {
  tokenHash: string;
  tokenHint: string;
}

/** Why a code was not redeemed after it passed its checks: another exchange claimed it, or its station is gone. */
export type RedeemMiss = 'claimed-meanwhile' | 'station-gone';

/** Enrolment codes and the station token they are exchanged for. */
@Injectable()
export class EnrolmentRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores a new code for the station; its earlier codes not yet used are deleted in the same transaction. */
  async replaceOpenCode(row: Omit<StationEnrolment, 'id' | 'usedAt'>): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.delete(StationEnrolment, { stationId: row.stationId, usedAt: IsNull() });
      await m.insert(StationEnrolment, { ...row, usedAt: null });
    });
  }

  /**
   * In one transaction: finds the code by its hash, lets `vet` refuse it (by throwing), marks it used at
   * `now` and gives its station the new token. The claim only matches a code still unused, so of two
   * exchanges that race, one wins.
   */
  async redeem(codeHash: string, now: string, credentials: StationCredentials, vet: (enrolment: StationEnrolment | null) => void): Promise<Station | RedeemMiss> {
    try {
      return await this.db.transaction(async (m): Promise<Station | RedeemMiss> => {
        const enrolment = await m.findOneBy(StationEnrolment, { codeHash });
        vet(enrolment);
        if (!enrolment) return 'station-gone';
        const claimed = await m
          .createQueryBuilder()
          .update(StationEnrolment)
          .set({ usedAt: now })
          .where('id = :id AND "usedAt" IS NULL', { id: enrolment.id })
          .execute();
        if (claimed.affected !== 1) return 'claimed-meanwhile';
        await m.update(Station, { id: enrolment.stationId }, { ...credentials, tokenIssuedAt: now, enrolledAt: now });
        const station = await m.findOneBy(Station, { id: enrolment.stationId });
        // Throwing undoes the claim: a code whose station is gone stays as it was.
        if (!station) throw new StationGone();
        return station;
      });
    } catch (error) {
      if (error instanceof StationGone) return 'station-gone';
      throw error;
    }
  }
}

class StationGone extends Error {}
