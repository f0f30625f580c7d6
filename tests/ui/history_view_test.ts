/** `HistoryView`: markers, date separators, the unread line and catch-up progress, with an injected clock and time zone. */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CATCH_UP_PROGRESS_INTERVAL_MS,
  CATCH_UP_PROGRESS_MESSAGES_MIN,
  type HistoryLine,
  HistoryView,
  ruleLine,
} from "../../lib/ui/history_view.ts";

const at = (iso: string) => Date.parse(iso);
const texts = (lines: readonly HistoryLine[]) => lines.map((line) => line.text);

Deno.test("HistoryView.dayOf() names the day in the given time zone", () => {
  const view = new HistoryView({ sessionStartMs: 0, timeZone: "UTC" });
  assert.equal(view.dayOf(at("2026-12-03T23:30:00Z")), "Thursday 3 December 2026");
  const paris = new HistoryView({ sessionStartMs: 0, timeZone: "Europe/Paris" });
  assert.equal(paris.dayOf(at("2026-12-03T23:30:00Z")), "Friday 4 December 2026");
  assert.equal(ruleLine("Friday 4 December 2026"), "── Friday 4 December 2026 ──");
});

Deno.test("HistoryView.dayOf() in UTC names every day as Intl's en-GB format does", () => {
  const intl = new Intl.DateTimeFormat("en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  const byIntl = (ms: number) => {
    const parts = Object.fromEntries(intl.formatToParts(ms).map((p) => [p.type, p.value]));
    return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}`;
  };
  fc.assert(
    fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
      // A fresh view each time: no day cached from an earlier sample.
      assert.equal(new HistoryView({ sessionStartMs: 0, timeZone: "UTC" }).dayOf(ms), byIntl(ms));
    }),
    { numRuns: 2_000 },
  );
  const view = new HistoryView({ sessionStartMs: 0, timeZone: "UTC" });
  // Around the Gregorian reform, midnight, and the limits of Date.
  for (
    const ms of [
      at("1582-10-14T23:59:59.999Z"),
      at("1582-10-15T00:00:00Z"),
      at("1970-01-01T00:00:00Z"),
      at("2026-12-03T23:59:59.999Z"),
      at("2026-12-04T00:00:00Z"),
      8.64e15,
      -8.64e15,
    ]
  ) {
    assert.equal(view.dayOf(ms), byIntl(ms));
  }
  assert.throws(() => view.dayOf(NaN), RangeError);
});

Deno.test("HistoryView.before() adds a date separator exactly when the day changes", () => {
  const view = new HistoryView({ sessionStartMs: at("2026-12-01T00:00:00Z"), timeZone: "UTC" });
  const days = [
    "2026-12-03T23:58:00Z",
    "2026-12-03T23:59:59Z",
    "2026-12-04T00:00:00Z",
    "2026-12-04T12:00:00Z",
    "2026-12-06T08:00:00Z",
  ].map((iso) => texts(view.before({ ts: at(iso) })));
  assert.deepEqual(days, [
    ["Thursday 3 December 2026"],
    [],
    ["Friday 4 December 2026"],
    [],
    ["Sunday 6 December 2026"],
  ]);
});

Deno.test("HistoryView.stored() puts the history marker first and the unread line before the first unseen row", () => {
  const view = new HistoryView({
    sessionStartMs: at("2026-12-04T09:00:00Z"),
    lastSeenRow: 2,
    timeZone: "UTC",
  });
  const stored = [1, 2, 3, 4].map((row) => ({ row, ts: at("2026-12-03T10:00:00Z") + row }));
  const out = view.stored(stored);
  assert.deepEqual(out.map(({ before }) => texts(before)), [
    ["history: 4 stored messages", "Thursday 3 December 2026"],
    [],
    ["unread since you left"],
    [],
  ]);
  // Live messages after stored history end it; no second unread line.
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T09:00:01Z") })), [
    "end of history",
    "Friday 4 December 2026",
  ]);
});

Deno.test("HistoryView.before() marks catch-up as history, unread once, then its end", () => {
  const view = new HistoryView({ sessionStartMs: at("2026-12-04T09:00:00Z"), timeZone: "UTC" });
  assert.deepEqual(view.stored([]), []);
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T08:00:00Z") })), [
    "history: while you were away",
    "Friday 4 December 2026",
    "unread since you left",
  ]);
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T08:30:00Z") })), []);
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T09:10:00Z") })), ["end of history"]);
});

Deno.test("HistoryView.joinedNetwork() makes the joined network's older messages history", () => {
  const view = new HistoryView({ sessionStartMs: at("2026-12-04T09:00:00Z"), timeZone: "UTC" });
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T09:01:00Z") })), [
    "Friday 4 December 2026",
  ]);
  view.joinedNetwork(at("2026-12-04T09:05:00Z"));
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T09:03:00Z") })), [
    "history: before you joined",
    "unread since you left",
  ]);
});

/** Starts a session at 10 000 ms; `old` is a message written before it (fetched history). */
const SESSION_MS = 10_000;
const old = { ts: SESSION_MS - 1 };

Deno.test("HistoryView.progress() is silent for small catch-ups and rate-bounded for large ones", () => {
  const view = new HistoryView({ sessionStartMs: SESSION_MS });
  const step = (backlog: number, authors: number, nowMs: number) => {
    view.before(old);
    return view.progress({ backlog, authors }, nowMs);
  };
  // Small: nothing at all.
  for (let left = 5; left >= 0; left--) assert.equal(step(left, 2, 0), undefined);
  // Large: the first line, then nothing within the interval, then one more, then the end.
  const total = CATCH_UP_PROGRESS_MESSAGES_MIN * 4;
  assert.equal(
    step(total - 1, 4, 1_000)?.text,
    `catching up: 1 of ~${total} messages from 4 authors`,
  );
  assert.equal(step(total - 2, 4, 1_001), undefined);
  assert.equal(
    step(total - 3, 4, 1_000 + CATCH_UP_PROGRESS_INTERVAL_MS)?.text,
    `catching up: 3 of ~${total} messages from 4 authors`,
  );
  assert.equal(step(0, 4, 5_000)?.text, "caught up: 4 messages from 4 authors");
});

Deno.test("HistoryView.progress() says nothing of a burst of live messages, and ends a catch-up that turns live", () => {
  const view = new HistoryView({ sessionStartMs: SESSION_MS });
  for (let i = 0; i < 10; i++) {
    view.before({ ts: SESSION_MS + i });
    assert.equal(view.progress({ backlog: 1_000, authors: 3 }, i * 5_000), undefined);
  }
  view.before(old);
  assert.match(view.progress({ backlog: 1_000, authors: 3 }, 100_000)!.text, /^catching up: 1 of/);
  view.before({ ts: SESSION_MS + 1 });
  assert.equal(
    view.progress({ backlog: 999, authors: 3 }, 100_001)?.text,
    "caught up: 1 messages from 3 authors",
  );
});

Deno.test("HistoryView.progress() shows at most one line per interval, whatever the deliveries (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(200), fc.nat(1_000), fc.boolean()), {
        minLength: 1,
        maxLength: 300,
      }),
      (steps) => {
        const view = new HistoryView({ sessionStartMs: SESSION_MS });
        let now = 0;
        const shownAt: number[] = [];
        for (const [backlog, advance, fetched] of steps) {
          now += advance;
          view.before(fetched ? old : { ts: SESSION_MS });
          const line = view.progress({ backlog: backlog + 1, authors: 1 }, now);
          if (line !== undefined && line.kind === "progress" && !line.done) shownAt.push(now);
        }
        for (let i = 1; i < shownAt.length; i++) {
          assert.ok(shownAt[i]! - shownAt[i - 1]! >= CATCH_UP_PROGRESS_INTERVAL_MS);
        }
      },
    ),
  );
});

Deno.test("HistoryView with returning: false (a first session) shows history but no unread line", () => {
  const view = new HistoryView({
    sessionStartMs: at("2026-12-04T09:00:00Z"),
    timeZone: "UTC",
    returning: false,
  });
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T08:00:00Z") })), [
    "history: before you joined",
    "Friday 4 December 2026",
  ]);
});

Deno.test("HistoryView.before() marks catch-up after the stored history as history of its own", () => {
  const view = new HistoryView({
    sessionStartMs: at("2026-12-04T09:00:00Z"),
    lastSeenRow: 1,
    timeZone: "UTC",
  });
  view.stored([{ row: 1, ts: at("2026-12-04T08:00:00Z") }]);
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T08:30:00Z") })), [
    "history: while you were away",
    "unread since you left",
  ]);
  assert.deepEqual(texts(view.before({ ts: at("2026-12-04T08:31:00Z") })), []);
});
