import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Whether the database answers at all. */
@Injectable()
export class HealthRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A trivial statement both engines answer; throws when the database cannot. */
  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}
