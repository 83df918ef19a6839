/** A class's public face: what a service may call on a repository, without its private fields. */
export type PublicPart<T> = { [K in keyof T]: T[K] };

/** Hands an in-memory fake to a service as the repository it stands in for. */
export function asRepository<T>(fake: PublicPart<T>): T {
  return fake as unknown as T;
}
