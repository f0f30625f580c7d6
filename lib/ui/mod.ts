/**
 * Front ends: the terminal UI, the JSON-lines mode for scripts, batched line
 * output, making remote text safe to print, and naming peers (`peer_names.ts`,
 * `roster.ts`) and their presence (`presence_view.ts`, `own_line_marks.ts`).
 *
 * @module
 */

export { fingerprint, formatClockTime, sanitizeForTerminal } from "./display.ts";
export {
  COMMAND_LINE_BYTES_MAX,
  COMMAND_REF_CHARS_MAX,
  type CommandRef,
  DIRECT_TO_CHARS_MAX,
  errorJson,
  eventJson,
  eventLine,
  InvalidCommandError,
  type JsonCommand,
  messageJson,
  messageLine,
  parseJsonCommand,
  type RefCommand,
  runBootstrapCommand,
  runPeerCommand,
  type RunPeerCommandOptions,
} from "./json_front_end.ts";
export * from "./peer_names.ts";
export {
  type ByteSink,
  LINE_WRITER_QUEUED_BYTES_MAX,
  LineWriter,
  type LineWriterOptions,
  readLines,
  type ReadLinesOptions,
} from "./line_writer.ts";
export * from "./redaction_json.ts";
export * from "./redaction_view.ts";
export * from "./terminal_front_end.ts";
export * from "./peer_names.ts";
export * from "./presence_view.ts";
export * from "./roster.ts";
export * from "./own_line_marks.ts";
