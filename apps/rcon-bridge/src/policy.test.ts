import { describe, expect, it } from 'vitest';
import { backupRefusal } from './policy.js';

describe('backupRefusal', () => {
  it.each([
    ['save-off', null],
    ['save-on', null],
    ['save-all', null],
    ['save-all flush', null],
    ['/save-all flush', null],
    ['say backup starting', null],
    ['tellraw @a {"text":"hi"}', null],
    ['list', null],
    ['list uuids', null],
  ])('lets %j through', (command, expected) => {
    expect(backupRefusal(command)).toBe(expected);
  });

  it.each([
    ['op alice', /"op" is not allowed on the backup socket/],
    ['stop', /"stop" is not allowed/],
    ['whitelist add x', /"whitelist" is not allowed/],
    ['SAVE-ALL', /"SAVE-ALL" is not allowed/],
    ['save-all now', /save-all takes only "flush"/],
    ['save-off please', /save-off takes no arguments/],
    ['', /"\(empty\)" is not allowed/],
    ['saveoff', /"saveoff" is not allowed/],
  ])('refuses %j with a clear reply', (command, pattern) => {
    const reply = backupRefusal(command);
    expect(reply).toMatch(/^rcon-bridge: refused /);
    expect(reply).toMatch(pattern);
    expect(reply).toMatch(/nothing was sent to the server$/);
  });
});
