import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/** A named set of stations a slot can target ("Các xã ven biển"). */
@Entity('station_group')
export class StationGroup {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @InstantColumn()
  createdAt!: string;
}

@Entity('station_group_member')
export class StationGroupMember {
  @PrimaryColumn({ type: 'varchar' })
  groupId!: string;

  @Index()
  @PrimaryColumn({ type: 'varchar' })
  stationId!: string;
}

/** One loudspeaker cluster (cụm loa) of a station: a slot may air on some clusters only. */
@Entity('speaker_cluster')
@Index(['stationId', 'name'], { unique: true })
export class SpeakerCluster {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar' })
  stationId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @InstantColumn()
  createdAt!: string;
}
