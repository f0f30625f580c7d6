/**
 * Bugs the fuzz suite found in code it does not own, each pinned by an
 * ignored regression test in `tests/testing/fuzz/fuzz_findings_test.ts`. A target
 * that sees one throws `KnownIssueError` with its id: campaigns count it and
 * go on (`deno task fuzz --strict` fails on it instead). When a bug is fixed,
 * un-ignore its test and delete its entry here; the targets then treat it as
 * a failure like any other.
 *
 * @module
 */

/** Every known issue: id → what goes wrong, where, and the test that pins it. */
export const KNOWN_ISSUES: Readonly<Record<string, string>> = Object.freeze({});

/** The id of a known issue. */
export type KnownIssueId = keyof typeof KNOWN_ISSUES;
