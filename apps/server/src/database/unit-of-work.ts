import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * One transaction that several repositories' calls share: a service opens it here and hands the
 * transaction on to the repositories' methods that take one, without touching TypeORM itself.
 */
@Injectable()
export class UnitOfWork {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }
}
