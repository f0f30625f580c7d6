/**
 * The chat page in a real browser (headless Chromium): two `peer --web`
 * processes and a bootstrap; what a user types into one peer's page shows
 * on the other's, a direct message shows as direct, and the page fits a
 * phone. Every wait is for a condition, never for a time.
 */
import assert from "node:assert/strict";
import {
  browserAvailable,
  type Page,
  PHONE_VIEWPORT,
  type TestBrowser,
  waitForText,
  waitUntil,
  withBrowser,
} from "../_helpers/browser.ts";
import { waitUntilConnected, withProcesses } from "../_helpers/process.ts";
import { startBootstrap, startWebPeer, type WebPeer } from "../_helpers/web_peers.ts";

const skip = browserAvailable();

/** How the page names a member whose nick nobody else has: the nick alone. */
function shownName(_peer: WebPeer, nick: string): string {
  return nick;
}

/** Opens `peer`'s page and waits until its feed is live. */
async function openChat(
  browser: TestBrowser,
  peer: WebPeer,
  viewport?: { width: number; height: number },
): Promise<Page> {
  const page = await browser.openPage(peer.web, viewport === undefined ? {} : { viewport });
  await waitForText(page, "#status", "live");
  return page;
}

/** Types `text` into the page's message box and presses Enter, as a user does. */
async function typeLine(page: Page, text: string): Promise<void> {
  await page.type("#text", text);
  await page.keyboard.press("Enter");
  await waitUntil(page, `document.getElementById("text").value === ""`, "the input is cleared");
}

/** The text of the chat line whose body is `text`, parts joined by `|`. */
function lineParts(page: Page, selector: string, text: string): Promise<string[]> {
  return page.$$eval(
    selector,
    (items, wanted) =>
      items.filter((item) => item.textContent?.includes(wanted as string)).map((item) =>
        [...item.children].map((part) => part.textContent).join("|")
      ),
    text,
  );
}

Deno.test({
  name: "chat page: two peers' pages chat, see delivery state and direct messages, fit a phone",
  ignore: skip !== undefined,
  async fn(t) {
    await withProcesses(async (group) => {
      const bootstrap = await startBootstrap(group);
      const [ann, bob] = await Promise.all([
        startWebPeer(group, bootstrap, "ann"),
        startWebPeer(group, bootstrap, "bob"),
      ]);
      await waitUntilConnected(ann.process, [bob.id]);
      await waitUntilConnected(bob.process, [ann.id]);

      await withBrowser(async (browser) => {
        const annPage = await openChat(browser, ann);
        const bobPage = await openChat(browser, bob);
        // The token left the address bar once the cookie carried it.
        assert.equal(new URL(annPage.url()).search, "");

        await t.step("a line typed on ann's page shows on bob's page with ann's nick", async () => {
          await typeLine(annPage, "hello from ann's page");
          await waitForText(bobPage, "#messages li.message", "hello from ann's page");
          const [shown] = await lineParts(bobPage, "#messages li.message", "hello from ann's page");
          const [, nick, body] = (shown ?? "").split("|");
          assert.deepEqual([nick, body], [shownName(ann, "ann"), "hello from ann's page"]);
          // The peer's own --json output agrees with what the page shows.
          await bob.process.waitFor(
            (l) =>
              l.type === "message" && l.text === "hello from ann's page" && l.author === ann.id,
            30_000,
            "the message on bob's stdout",
          );
        });

        await t.step("ann's own line reaches its seen state on ann's page", async () => {
          await waitUntil(
            annPage,
            `[...document.querySelectorAll("#messages li.message")].some((li) =>
              li.textContent.includes("hello from ann's page") &&
              li.querySelector(".state")?.textContent === "seen")`,
            "ann's line is marked seen",
          );
        });

        await t.step("a direct message from bob's page shows on ann's page as direct", async () => {
          await bobPage.waitForSelector(`#to option[value="${ann.id}"]`);
          await bobPage.select("#to", ann.id);
          await typeLine(bobPage, "psst, only for ann");
          await waitForText(annPage, "#messages li.direct", "psst, only for ann");
          const [shown] = await lineParts(annPage, "#messages li.direct", "psst, only for ann");
          assert.equal(shown?.split("|")[1], `${shownName(bob, "bob")} → you`);
          await waitForText(bobPage, "#messages li.direct", "psst, only for ann");
          const [own] = await lineParts(bobPage, "#messages li.direct", "psst, only for ann");
          assert.equal(own?.split("|")[1], `you → ${shownName(ann, "ann")}`);
          // Not a chat message: it is on no page as one.
          assert.deepEqual(await lineParts(annPage, "#messages li.message", "psst"), []);
        });

        await t.step("at phone size the input and the last message are visible", async () => {
          const phone = await openChat(browser, ann, PHONE_VIEWPORT);
          await bobPage.select("#to", ""); // to everyone again
          for (let i = 1; i <= 25; i++) await typeLine(bobPage, `line ${i} of a long chat`);
          await waitForText(phone, "#messages li.message", "line 25 of a long chat");
          const layout = await phone.evaluate(`(() => {
            const inView = (e) => {
              const r = e.getBoundingClientRect();
              return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 &&
                r.bottom <= innerHeight && r.right <= innerWidth;
            };
            const items = document.querySelectorAll("#messages li");
            return {
              pageWidth: document.documentElement.scrollWidth,
              viewportWidth: innerWidth,
              inputVisible: inView(document.getElementById("text")),
              lastMessageVisible: inView(items[items.length - 1]),
            };
          })()`);
          assert.deepEqual(layout, {
            pageWidth: PHONE_VIEWPORT.width,
            viewportWidth: PHONE_VIEWPORT.width,
            inputVisible: true,
            lastMessageVisible: true,
          });
        });

        for (const page of [annPage, bobPage]) assert.deepEqual(browser.errorsOf(page), []);
      });
    });
  },
});
