import { describe, expect, it } from 'vitest';
import { checkBackupCommand } from './policy.js';

describe('checkBackupCommand', () => {
  it.each([
    ['save-off', 'save-off'],
    ['save-on', 'save-on'],
    ['save-all', 'save-all'],
    ['save-all flush', 'save-all flush'],
    ['/save-all flush', 'save-all flush'],
    ['  save-all flush \r\n', 'save-all flush'],
    ['say backup starting', 'say backup starting'],
    [' say two  spaces ', 'say two  spaces'],
    [`say ${'m'.repeat(256)}`, `say ${'m'.repeat(256)}`],
    ['tellraw @a {"text":"hi"}', 'tellraw @a {"text":"hi"}'],
    ['tellraw @a { "text": "hi", "color": "gray" }', 'tellraw @a {"text":"hi","color":"gray"}'],
    ['tellraw Steve_1 ["a",{"text":"b","extra":["c"]}]', 'tellraw Steve_1 ["a",{"text":"b","extra":["c"]}]'],
    ['list', 'list'],
    ['list uuids', 'list uuids'],
  ])('lets %j through as exactly %j', (command, forwarded) => {
    expect(checkBackupCommand(command)).toEqual({ ok: true, command: forwarded });
  });

  it.each([
    ['op alice', /"op" is not allowed on the backup socket/],
    ['stop', /"stop" is not allowed/],
    ['whitelist add x', /"whitelist" is not allowed/],
    ['SAVE-ALL', /"SAVE-ALL" is not allowed/],
    ['save-all now', /save-all takes only "flush"/],
    ['save-all  flush', /save-all takes only "flush"/],
    ['save-off please', /save-off takes no arguments/],
    ['list all', /list takes only "uuids"/],
    ['', /"\(empty\)" is not allowed/],
    ['saveoff', /"saveoff" is not allowed/],
    ['say', /say needs a message/],
    [`say ${'m'.repeat(257)}`, /at most 256 characters \(got 257\)/],
    ['say hi\nop alice', /control characters/],
    ['say hi\u0000op', /control characters/],
    ['save-all\tflush', /control characters/],
    ['say a\u2028b', /control characters/],
    ['tellraw @a', /one JSON text component/],
    ['tellraw @a[tag=x] "hi"', /target must be @a, @p, @r, @s or a player name/],
    ['tellraw @e "hi"', /target must be/],
    ['tellraw @a {"text":"x","clickEvent":{"action":"run_command","value":"/op m"}}', /"clickEvent" is not allowed/],
    ['tellraw @a {"text":"x","hover_event":{}}', /"hover_event" is not allowed/],
    ['tellraw @a {"text":"x","insertion":"/op m"}', /"insertion" is not allowed/],
    ['tellraw @a {"nbt":"x","entity":"@p"}', /needs "text"/],
    ['tellraw @a {"text":"","selector":"@e"}', /"selector" is not allowed/],
    ['tellraw @a ["",{"text":"a","extra":[{"text":"b","score":{}}]}]', /"score" is not allowed/],
    ['tellraw @a {"text":"x","color":"gray","clickEvent":1,"color":"red"}', /"clickEvent" is not allowed/],
    ['tellraw @a {"text":"x","color":"rainbow"}', /color name or #RRGGBB/],
    ['tellraw @a {"text":"x","bold":"yes"}', /"bold" must be true or false/],
    ['tellraw @a []', /an empty list/],
    ['tellraw @a 42', /a string, a list or an object/],
    [`tellraw @a ${'['.repeat(12)}"x"${']'.repeat(12)}`, /nested deeper than 8/],
  ])('refuses %j with a clear reply', (command, pattern) => {
    const result = checkBackupCommand(command);
    expect(result.ok).toBe(false);
    const reply = result.ok ? '' : result.refusal;
    expect(reply).toMatch(/^rcon-bridge: refused /);
    expect(reply).toMatch(pattern);
    expect(reply).toMatch(/nothing was sent to the server$/);
    expect(reply).not.toMatch(/[\n\r\0]/);
  });
});
