// Long lists (For you, All articles) put a screenful of rows in the DOM and more as the end
// comes near (ui/src/lib/rows.svelte.ts). A test that reads a whole list first scrolls it to
// its end until every row is there, as a reader would, then back to the top.

const SCROLL_TO_THE_END = `
  return (async () => {
    const pause = () => new Promise((r) => setTimeout(r, 30));
    let quiet = 0;
    for (let i = 0; i < 200 && quiet < 10; i++) {
      const more = document.querySelector('[data-testid="more-rows"]');
      if (!more) break;
      const before = more.parentElement.children.length;
      more.scrollIntoView({ block: "end" });
      await pause();
      quiet = more.isConnected && more.parentElement.children.length === before ? quiet + 1 : 0;
    }
    window.scrollTo(0, 0);
    return !document.querySelector('[data-testid="more-rows"]');
  })();
`;

/** Scrolls the list on screen to its end until all its rows are rendered; true when they are. */
export function renderAllRows(session) {
  return session.execute(SCROLL_TO_THE_END);
}
