/** Local time for authoring and showing schedules; storage and the wire are UTC. */
export const DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';

/** An epoch-millisecond instant as the ISO-8601 UTC string the protocol and the database use. */
export function toInstant(ms: number): string {
  return new Date(ms).toISOString();
}

export function fromInstant(iso: string): number {
  return Date.parse(iso);
}
