/**
 * Front ends: the terminal UI, the JSON-lines mode for scripts, batched line
 * output, and making remote text safe to print.
 *
 * @module
 */

export { fingerprint, formatClockTime, sanitizeForTerminal } from "./display.ts";
export {
  COMMAND_LINE_BYTES_MAX,
  eventJson,
  eventLine,
  type JsonCommand,
  messageJson,
  messageLine,
  parseJsonCommand,
  runBootstrapCommand,
  runPeerCommand,
} from "./json_front_end.ts";
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
