/**
 * The command line: argv to a checked command, or a one-line usage error;
 * and the command that runs a subcommand the way the user ran this one.
 *
 * @module
 */

export * from "./parse_cli.ts";
export * from "./invocation.ts";
