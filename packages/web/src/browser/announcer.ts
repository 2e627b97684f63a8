// Says things to screen readers through a polite live region.

/** Messages kept in the screen reader's live region; older announcements are dropped. */
const announcementsKept = 5;

/** Returns a function that announces a line in `region`, keeping only the last few lines. */
export function announcerFor(region: HTMLElement): (text: string) => void {
  return (text) => {
    const line = document.createElement('p');
    line.textContent = text;
    region.append(line);
    while (region.childElementCount > announcementsKept) region.firstElementChild?.remove();
  };
}
