/**
 * The shapes of the API's answers, shared by the server that sends them and the console that reads them.
 * Types and the lists of union values only: no runtime dependency, so the browser bundle stays small and
 * a value the server adds is a compile error wherever the console names every value.
 */
export * from './people';
export * from './media';
export * from './schedule';
export * from './logbook';
export * from './live';
export * from './agents';
export * from './reports';
export * from './alerts';
export * from './operator';
export * from './catalog';
export * from './audit';
