/**
 * The repair window of a broadcast: the delivered messages a peer can still
 * serve to others (anti-entropy), bounded per author and in all.
 *
 * @module
 */

export { MessageLog, type MessageLogOptions } from "./message_log.ts";
