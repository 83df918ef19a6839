export * from './messages';
export * from './parse';
export * from './time';
export * from './live';
export * from './version';
