import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isRoomName,
  roomFromInput,
  roomFromLocation,
  roomPagePath,
  suggestRoomName,
} from '../src/browser/room-name.js';

describe('room names', () => {
  it('accepts only 3–64 of a-z, 0-9 and hyphen', () => {
    assert.ok(isRoomName('physics-101'));
    assert.ok(isRoomName('abc'));
    assert.ok(isRoomName('a'.repeat(64)));
    for (const bad of ['ab', 'a'.repeat(65), 'Physics', 'ph ysics', 'phys_ics', 'ça-va', '']) {
      assert.equal(isRoomName(bad), false, bad);
    }
  });

  it('suggests names the api accepts', () => {
    for (let i = 0; i < 200; i++) {
      const name = suggestRoomName();
      assert.ok(isRoomName(name), name);
      assert.match(name, /^[a-z]+-[a-z]+-\d{3}$/);
    }
  });

  it('finds the room in a typed name or a pasted link', () => {
    assert.equal(roomFromInput('physics-101'), 'physics-101');
    assert.equal(roomFromInput('  Physics-101 '), 'physics-101');
    assert.equal(roomFromInput('https://chat.example.org/physics-101'), 'physics-101');
    assert.equal(roomFromInput('http://localhost:3000/physics-101/transcript'), 'physics-101');
    assert.equal(roomFromInput('chat.example.org/physics-101?x=1'), 'physics-101');
    assert.equal(roomFromInput(''), null);
    assert.equal(roomFromInput('no'), null);
    assert.equal(roomFromInput('https://chat.example.org/'), null);
    assert.equal(roomFromInput('bad name!'), null);
  });

  it('reads the room from the page path', () => {
    const at = (pathname: string) => roomFromLocation({ pathname } as Location);
    assert.equal(at('/physics-101'), 'physics-101');
    assert.equal(at('/physics-101/'), 'physics-101');
    assert.equal(at('/physics-101/transcript'), 'physics-101');
    assert.equal(at('/'), '');
  });

  it('puts the page of a room named "status" at /status/room, the status page being at /status', () => {
    assert.equal(roomPagePath('physics-101'), '/physics-101');
    assert.equal(roomPagePath('status'), '/status/room');
    assert.equal(roomFromLocation({ pathname: '/status/room' } as Location), 'status');
    assert.equal(roomFromLocation({ pathname: '/status/room/transcript' } as Location), 'status');
  });
});
