import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/** Who exported what from the logbook or the reports, and when. */
@Entity('logbook_export')
export class LogbookExport {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 100 })
  username!: string;

  /** logbook.csv, logbook.xlsx, logbook.pdf, report.xlsx, report.pdf */
  @Column({ type: 'varchar', length: 20 })
  format!: string;

  /** The filter as JSON. */
  @Column({ type: 'varchar', length: 2000 })
  filter!: string;

  @Index()
  @InstantColumn()
  createdAt!: string;
}
