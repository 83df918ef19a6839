import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';
import type { Role } from '../auth/principal';

@Entity('user')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 100 })
  username!: string;

  @Column({ type: 'varchar', length: 200 })
  displayName!: string;

  /** scrypt, with its parameters and salt: see auth/password.ts. */
  @Column({ type: 'varchar', length: 300 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 20 })
  role!: Role;

  /** The unit whose stations the user works with; null for the whole system. */
  @Column({ type: 'varchar', nullable: true })
  unitId!: string | null;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /**
   * Written into every sign-in token; raised by sign-out, a new password, a new role or unit, or disabling,
   * so every token signed before stops working at once.
   */
  @Column({ type: 'integer', default: 0 })
  tokenVersion!: number;

  @InstantColumn()
  createdAt!: string;
}
