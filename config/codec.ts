import * as t from 'io-ts';
import { distance } from 'fastest-levenshtein';
import { describe } from './problem';

/**
 * The two io-ts building blocks every dataset field is made of. Each failure carries a complete sentence (what was
 * expected, what was found, how to fix it), because the people reading it are analysts, not the authors of this code.
 */

/** A check returns the decoded value, or a `Refusal` explaining what is wrong with it. */
export class Refusal {
  constructor(readonly message: string) {}
}

/** The JSON Schema (draft-07) fragment of a field: what editors can check as people type. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A codec that also says, as JSON Schema, as much of its rule as a schema can express. */
export interface Described {
  readonly schema: JsonSchema;
}

export function schemaOf(codec: t.Mixed): JsonSchema {
  const { schema } = codec as Partial<Described>;
  if (!schema) throw new Error(`codec "${codec.name}" has no JSON Schema: give it one where it is defined`);
  return schema;
}

export function leaf<A>(
  name: string,
  is: (u: unknown) => u is A,
  check: (u: unknown) => A | Refusal,
  schema: JsonSchema,
): t.Type<A, A, unknown> & Described {
  return Object.assign(
    new t.Type<A, A, unknown>(
      name,
      is,
      (u, c) => {
        const result = check(u);
        return result instanceof Refusal ? t.failure(u, c, result.message) : t.success(result);
      },
      t.identity,
    ),
    { schema },
  );
}

/** Marks an error as being about a mapping key (an unknown field), so it is located at the key, not its value. */
export const unknownKey = new t.Type<never>('unknown field', (_): _ is never => false, t.failure, t.identity);

type Props = Record<string, t.Mixed>;
/** Required fields, optional fields with a default (`D`: always present once decoded), optional fields without. */
export type StructOf<R extends Props, O extends Props, D extends keyof O = keyof O> = {
  readonly [K in keyof R]: t.TypeOf<R[K]>;
} & { readonly [K in D]: t.TypeOf<O[K]> } & { readonly [K in Exclude<keyof O, D>]?: t.TypeOf<O[K]> };

export interface StructOptions<R extends Props, O extends Props, D extends keyof O> {
  readonly defaults: { readonly [K in D]: t.TypeOf<O[K]> };
  /** One line per field, shown by editors (JSON Schema `description`). */
  readonly descriptions: { readonly [K in keyof R | keyof O]: string };
  /** Fields that belong elsewhere, with the sentence that says where. */
  readonly misplaced?: Readonly<Record<string, string>>;
  /**
   * Fields whose unquoted value is read as the text written, not as the number YAML makes of it (an account ID's
   * leading zero would be lost). The loader applies it; the codec sees text.
   * @default none
   */
  readonly asWritten?: readonly (keyof R | keyof O)[];
}

/**
 * A closed mapping: required and optional fields, defaults filled in, and every unknown field reported (with the
 * closest known one) instead of silently dropped, since a typo in a key would otherwise lose a setting.
 */
export class StructType<R extends Props, O extends Props, D extends keyof O = keyof O> extends t.Type<
  StructOf<R, O, D>,
  StructOf<R, O, D>,
  unknown
> {
  readonly _tag = 'StructType' as const;

  constructor(
    name: string,
    readonly required: R,
    readonly optional: O,
    readonly options: StructOptions<R, O, D>,
  ) {
    super(
      name,
      (u): u is StructOf<R, O, D> =>
        isMapping(u) &&
        Object.entries(required).every(([k, codec]) => codec.is(u[k])) &&
        Object.entries(optional).every(
          ([k, codec]) => codec.is(u[k]) || (u[k] === undefined && !(k in options.defaults)),
        ),
      (u, c) => this.check(u, c),
      t.identity,
    );
  }

  get knownKeys(): string[] {
    return [...Object.keys(this.required), ...Object.keys(this.optional)];
  }

  /** The same fields, required keys, defaults and closedness as JSON Schema. */
  get schema(): JsonSchema {
    const property = (key: string, codec: t.Mixed) => ({
      description: (this.options.descriptions as Record<string, string>)[key],
      ...schemaOf(codec),
      ...(key in this.options.defaults ? { default: (this.options.defaults as Record<string, unknown>)[key] } : {}),
    });
    return {
      type: 'object',
      properties: Object.fromEntries(
        Object.entries<t.Mixed>({ ...this.required, ...this.optional }).map(([k, c]) => [k, property(k, c)]),
      ),
      required: Object.keys(this.required),
      additionalProperties: false,
    };
  }

  private check(u: unknown, c: t.Context): t.Validation<StructOf<R, O, D>> {
    if (!isMapping(u)) {
      return t.failure(u, c, `expected a mapping of fields (${this.knownKeys.join(', ')}), found ${describe(u)}`);
    }
    const errors: t.ValidationError[] = [];
    const out: Record<string, unknown> = { ...this.options.defaults };
    for (const key of Object.keys(u)) {
      if (key in this.required || key in this.optional) continue;
      errors.push({ value: u[key], context: t.appendContext(c, key, unknownKey, u[key]), message: this.unknown(key) });
    }
    for (const [key, codec] of Object.entries<t.Mixed>({ ...this.required, ...this.optional })) {
      const value = u[key];
      if (value === undefined && key in this.optional) continue;
      if (value === undefined) {
        errors.push({
          value,
          context: t.appendContext(c, key, codec, value),
          message: `required field missing: add "${key}:" with ${codec.name}`,
        });
        continue;
      }
      const result = codec.validate(value, t.appendContext(c, key, codec, value));
      if (result._tag === 'Left') errors.push(...result.left);
      else out[key] = result.right;
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out as StructOf<R, O, D>);
  }

  private unknown(key: string): string {
    if (/<<|>>/.test(key)) return `"${key}" is a template placeholder left in: replace it with a real field`;
    const misplaced = this.options.misplaced?.[key];
    if (misplaced) return `unknown field "${key}": ${misplaced}`;
    const known = this.knownKeys;
    const suggestion = closest(key, known);
    return suggestion
      ? `unknown field "${key}": did you mean "${suggestion}"?`
      : `unknown field "${key}": expected one of ${known.join(', ')}`;
  }
}

export const isMapping = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * The known key a person most likely meant: one containing the typed key's words (`target_bucket` → `bucket`), or
 * one within a small edit distance (`usres` → `users`).
 */
export function closest(typed: string, known: readonly string[]): string | undefined {
  const lower = typed.toLowerCase().replace(/[-\s]/g, '_');
  const exact = known.find((k) => k === lower);
  if (exact) return exact;
  // Containment either way, longest known key first (`bucket_name` means `bucket`, not `name`).
  const words = lower.split('_').filter(Boolean);
  // A key the typed one contains wins over one sharing a word (`target_bucket` → `bucket`, not `bucket_owner`).
  const longestFirst = [...known].sort((a, b) => b.length - a.length);
  const contained =
    longestFirst.find((k) => lower.includes(k)) ??
    longestFirst.find(
      (k) => (k.includes(lower) && lower.length >= 3) || words.some((w) => w.length >= 4 && k.split('_').includes(w)),
    );
  if (contained) return contained;
  const scored = known
    .map((k) => ({ k, d: distance(lower, k) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d);
  return scored[0]?.k;
}
