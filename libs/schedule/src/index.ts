export * from './conflicts';
export * from './recurrence';
export * from './resolve';
export * from './zoned';
export * from './words';
export * from './times-rule';
