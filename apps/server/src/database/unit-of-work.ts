import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { engineOf, type Engine } from './sql';

/** An open transaction, as services hand it from UnitOfWork on to repositories without looking inside. */
export type Tx = EntityManager;

/**
 * One transaction that several repositories' calls share: a service opens it here and hands the
 * transaction on to the repositories' methods that take one, without touching TypeORM itself.
 */
@Injectable()
export class UnitOfWork {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** The engine the transactions run on, for work that paces itself differently on each. */
  get engine(): Engine {
    return engineOf(this.db);
  }
}
