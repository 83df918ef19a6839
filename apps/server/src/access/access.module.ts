import { Global, Module } from '@nestjs/common';
import { AccessPolicy } from './access-policy';
import { AccessRepository } from './access.repository';

/** The access policy, available to every module's services. */
@Global()
@Module({ providers: [AccessPolicy, AccessRepository], exports: [AccessPolicy] })
export class AccessModule {}
