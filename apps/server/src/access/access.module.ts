import { Global, Module } from '@nestjs/common';
import { AccessPolicy } from './access-policy';

/** The access policy, available to every module's services. */
@Global()
@Module({ providers: [AccessPolicy], exports: [AccessPolicy] })
export class AccessModule {}
