/** A class's public face: what a service may call on a repository, without its private fields. */
export type PublicPart<T> = { [K in keyof T]: T[K] };

/** Hands an in-memory fake to a service as the repository it stands in for. */
export function asRepository<T>(fake: PublicPart<T>): T {
  return fake as unknown as T;
}

/** A stand-in for a collaborator a test does not expect to be called: any use fails loudly, naming it. */
export function unused<T>(name: string): T {
  return new Proxy(
    {},
    {
      get: (_, key) => {
        if (key === 'then') return undefined; // lets the stand-in pass through `await` untouched
        throw new Error(`${name}.${String(key)} was not expected here`);
      },
    },
  ) as T;
}

/** A stand-in built from the few methods a test gives it; any other use fails loudly, naming it. */
export function partial<T>(name: string, methods: Partial<T>): T {
  return new Proxy(methods as object, {
    get: (target, key) => {
      if (key in target) return (target as Record<string | symbol, unknown>)[key];
      if (key === 'then') return undefined;
      throw new Error(`${name}.${String(key)} was not expected here`);
    },
  }) as T;
}
