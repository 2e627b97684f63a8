// The room page's elements, looked up once by id (public/room.html).

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Every element of the room page the script reads or changes. */
export const roomElements = {
  title: byId<HTMLHeadingElement>('room-title'),
  name: byId<HTMLParagraphElement>('room-name'),
  connection: byId<HTMLParagraphElement>('connection'),
  connectionText: byId<HTMLSpanElement>('connection-text'),
  transcriptLink: byId<HTMLAnchorElement>('transcript-link'),
  ownerControls: byId<HTMLDivElement>('owner-controls'),
  pause: byId<HTMLButtonElement>('pause-room'),
  resume: byId<HTMLButtonElement>('resume-room'),
  close: byId<HTMLButtonElement>('close-room'),
  banner: byId<HTMLDivElement>('banner'),
  scroller: byId<HTMLDivElement>('scroller'),
  messages: byId<HTMLOListElement>('messages'),
  loadOlder: byId<HTMLButtonElement>('load-older'),
  historyStart: byId<HTMLParagraphElement>('history-start'),
  empty: byId<HTMLParagraphElement>('empty'),
  newPill: byId<HTMLButtonElement>('new-pill'),
  announcer: byId<HTMLDivElement>('announcer'),
  nicknameForm: byId<HTMLFormElement>('nickname-form'),
  nickname: byId<HTMLInputElement>('nickname'),
  postForm: byId<HTMLFormElement>('post-form'),
  postingAsLine: byId<HTMLParagraphElement>('posting-as-line'),
  postingAs: byId<HTMLElement>('posting-as'),
  changeNickname: byId<HTMLButtonElement>('change-nickname'),
  text: byId<HTMLInputElement>('message-text'),
  send: byId<HTMLButtonElement>('send'),
  postError: byId<HTMLParagraphElement>('post-error'),
  composer: byId<HTMLElement>('composer'),
  nicknameError: byId<HTMLParagraphElement>('nickname-error'),
  skipLink: byId<HTMLAnchorElement>('skip-link'),
  ownerError: byId<HTMLParagraphElement>('owner-error'),
  ownerStatus: byId<HTMLParagraphElement>('owner-status'),
  slowModeSelect: byId<HTMLSelectElement>('slow-mode-select'),
  slowModeNote: byId<HTMLParagraphElement>('slow-mode-note'),
  postWait: byId<HTMLParagraphElement>('post-wait'),
  undoBar: byId<HTMLDivElement>('undo-bar'),
  undoText: byId<HTMLParagraphElement>('undo-text'),
  undoDelete: byId<HTMLButtonElement>('undo-delete'),
};

export type RoomElements = typeof roomElements;
