import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/**
 * A seal of one station's logbook: the chain's head at one moment, made at least hourly and signed with
 * the server's Ed25519 seal key (kept outside the database). It anchors the chain, so rewriting every
 * hash after an edit, or cutting lines off the end, still shows. Seals from before signing have no key.
 */
@Entity('logbook_seal')
@Index('IDX_logbook_seal_station_pos', ['stationId', 'lastChainPos'], { unique: true })
export class LogbookSeal {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar' })
  stationId!: string;

  /** Local calendar day the head line was written, YYYY-MM-DD. */
  @Column({ type: 'varchar', length: 10 })
  day!: string;

  /** chainPos of the day's last line. */
  @Column({ type: 'integer' })
  lastChainPos!: number;

  @Column({ type: 'varchar', length: 64 })
  lastLineHash!: string;

  /** How many lines were written since the previous seal. */
  @Column({ type: 'integer' })
  lineCount!: number;

  /** sha256 of what is signed (the station, the count, the head, the time, the key): what an inspector may copy down. */
  @Column({ type: 'varchar', length: 64 })
  digest!: string;

  @InstantColumn()
  createdAt!: string;

  /** Fingerprint (sha256 of the public key's DER) of the key that signed it; null on older, unsigned seals. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  keyId!: string | null;

  /** Ed25519 signature of the seal's message, base64. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  signature!: string | null;
}
