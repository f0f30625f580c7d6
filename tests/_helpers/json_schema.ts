/**
 * Test helper: a validator for the subset of JSON Schema (draft 2020-12)
 * that `schema/json-lines.schema.json` uses, so that tests check every JSON
 * line against the documented contract without a dependency. A keyword
 * outside the subset is an error, never silently ignored.
 *
 * @module
 */

/** A JSON Schema object (the subset below). */
export type JsonSchema = Record<string, unknown>;

/** Keywords that carry no constraint. */
const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "$defs", "$comment"]);

/** Keywords this validator checks. */
const KEYWORDS = new Set([
  "$ref",
  "type",
  "const",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "minItems",
  "maxItems",
  "oneOf",
  "anyOf",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
]);

/** The schema of the JSON lines, read from the repository. */
export const JSON_LINES_SCHEMA: JsonSchema = JSON.parse(
  Deno.readTextFileSync(new URL("../../schema/json-lines.schema.json", import.meta.url)),
);

/**
 * The problems of `value` against `schema` (resolving `$ref`s in `root`),
 * one line each with a JSON pointer; empty when it is valid.
 */
export function schemaProblems(
  value: unknown,
  schema: JsonSchema,
  root: JsonSchema = schema,
  at = "",
): string[] {
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) {
      throw new TypeError(`Unsupported JSON Schema keyword ${key} at ${at || "/"}`);
    }
  }
  const problems: string[] = [];
  const fail = (why: string) => problems.push(`${at || "/"}: ${why}`);
  if (typeof schema.$ref === "string") {
    problems.push(...schemaProblems(value, resolve(schema.$ref, root), root, at));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(value, t as string))) {
      fail(`expected ${types.join(" or ")}, got ${JSON.stringify(value)}`);
      return problems;
    }
  }
  if ("const" in schema && !equal(value, schema.const)) {
    fail(`expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => equal(value, e))) {
    fail(`expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) {
      fail(`${value} is below ${schema.minimum}`);
    }
    if (typeof schema.maximum === "number" && value > schema.maximum) {
      fail(`${value} is above ${schema.maximum}`);
    }
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof schema.minLength === "number" && length < schema.minLength) {
      fail(`string of ${length} characters, minimum ${schema.minLength}`);
    }
    if (typeof schema.maxLength === "number" && length > schema.maxLength) {
      fail(`string of ${length} characters, maximum ${schema.maxLength}`);
    }
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
      fail(`${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      fail(`${value.length} items, minimum ${schema.minItems}`);
    }
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
      fail(`${value.length} items, maximum ${schema.maxItems}`);
    }
    if (isObject(schema.items)) {
      value.forEach((item, i) =>
        problems.push(...schemaProblems(item, schema.items as JsonSchema, root, `${at}/${i}`))
      );
    }
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const name of Array.isArray(schema.required) ? schema.required : []) {
      if (!Object.hasOwn(value, name)) fail(`missing ${name}`);
    }
    for (const [name, item] of Object.entries(value)) {
      const where = `${at}/${name}`;
      if (isObject(schema.propertyNames)) {
        problems.push(...schemaProblems(name, schema.propertyNames, root, `${where} (name)`));
      }
      if (Object.hasOwn(properties, name)) {
        problems.push(...schemaProblems(item, properties[name] as JsonSchema, root, where));
      } else if (schema.additionalProperties === false) {
        fail(`unexpected property ${name}`);
      } else if (isObject(schema.additionalProperties)) {
        problems.push(...schemaProblems(item, schema.additionalProperties, root, where));
      }
    }
  }
  if (Array.isArray(schema.anyOf)) {
    const all = schema.anyOf.map((s) => schemaProblems(value, s as JsonSchema, root, at));
    if (!all.some((p) => p.length === 0)) {
      fail(`matches none of anyOf: ${all.map((p) => p.join("; ")).join(" | ")}`);
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const all = schema.oneOf.map((s) => schemaProblems(value, s as JsonSchema, root, at));
    const matching = all.filter((p) => p.length === 0).length;
    if (matching !== 1) {
      // For a line whose type is known, the problems of that branch say the most.
      const typed = all.find((p) => !p.some((why) => why.includes("/type: expected")));
      fail(
        matching === 0
          ? `matches none of oneOf: ${(typed ?? all.flat()).join("; ")}`
          : `matches ${matching} of oneOf`,
      );
    }
  }
  return problems;
}

/** Throws with every problem when `line` is not a valid stdout line (`#/$defs/output`). */
export function assertOutputLine(line: unknown): void {
  assertValid(line, "output");
}

/** Throws with every problem when `line` is not a valid stdin command (`#/$defs/command`). */
export function assertCommandLine(line: unknown): void {
  assertValid(line, "command");
}

function assertValid(line: unknown, def: "output" | "command"): void {
  const problems = schemaProblems(line, { $ref: `#/$defs/${def}` }, JSON_LINES_SCHEMA);
  if (problems.length > 0) {
    throw new Error(
      `Not a valid ${def} line of schema/json-lines.schema.json: ${JSON.stringify(line)}\n  ${
        problems.join("\n  ")
      }`,
    );
  }
}

function resolve(ref: string, root: JsonSchema): JsonSchema {
  if (!ref.startsWith("#/")) throw new TypeError(`Unsupported $ref ${ref}: only local ones`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    node = isObject(node) ? node[part.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
  }
  if (!isObject(node)) throw new TypeError(`Unresolved $ref ${ref}`);
  return node;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return isObject(value);
    default:
      throw new TypeError(`Unsupported JSON Schema type ${type}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
