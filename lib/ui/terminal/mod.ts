/**
 * The terminal's input line: a pure draft editor measured by grapheme and
 * display width, a key decoder with bracketed paste, the layout and escape
 * sequences that keep the draft intact below printed lines, Tab completion,
 * Up/Down history, splitting long texts, mentions, multi-line messages, and
 * repeated warnings counted instead of shown; `InputLine` puts them on a
 * terminal.
 *
 * @module
 */

export { completeWord, type Completion } from "./completion.ts";
export { INPUT_HISTORY_ENTRIES_MAX, InputHistory } from "./input_history.ts";
export {
  DRAFT_BYTES_MAX,
  DRAFT_SCREEN_SHARE,
  INPUT_QUEUE_CHARS_MAX,
  INPUT_SLICE_CHARS,
  InputLine,
  type InputLineOptions,
} from "./input_line.ts";
export { ESCAPE_CHARS_MAX, KeyDecoder, type KeyEvent, type KeyName } from "./key_decoder.ts";
export {
  deleteBackward,
  deleteForward,
  deleteWordBackward,
  type Draft,
  draftOf,
  EMPTY_DRAFT,
  insertText,
  killToEnd,
  killToStart,
  moveEnd,
  moveHome,
  moveLeft,
  moveRight,
  moveWordLeft,
  moveWordRight,
} from "./line_editor.ts";
export { mentions } from "./mention.ts";
export { CONTINUATION_PREFIX, messageLines } from "./message_lines.ts";
export { splitText } from "./message_split.ts";
export {
  cursorRowAfterResize,
  type DraftView,
  drawView,
  eraseView,
  layoutDraft,
  linesAbove,
} from "./screen.ts";
export { displayWidth, graphemes, graphemeWidth, TAB_COLUMNS } from "./text_width.ts";
export {
  WARNING_KEYS_MAX,
  WARNING_REPEAT_WINDOW_MS,
  WarningDedupe,
  type WarningDedupeOptions,
} from "./warning_dedupe.ts";
