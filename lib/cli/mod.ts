/**
 * The command line: argv to a checked command, or a one-line usage error.
 *
 * @module
 */

export * from "./parse_cli.ts";
