// The nickname a person posts under, remembered in this browser for every room.
const key = 'backchannel:nickname';

export const maxNicknameLength = 40;

export function savedNickname(): string | null {
  try {
    const value = localStorage.getItem(key);
    return value === null || value.trim() === '' ? null : value;
  } catch {
    return null;
  }
}

export function saveNickname(nickname: string): void {
  try {
    localStorage.setItem(key, nickname);
  } catch {
    // Storage disabled: the nickname lasts until the page is closed.
  }
}
