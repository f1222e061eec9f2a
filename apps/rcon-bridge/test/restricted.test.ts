import { RawPeer, receivedCommands, startBridge, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

// Issue 12, class 5: the restricted socket forwards exactly the text it checked, and tellraw only
// with plain text components. The fake prints every command exactly as it arrived (--log-commands).
useCleanup();

/** A raw peer on the backup socket, logged in: `ask` sends one command (a new id each) and returns the reply. */
async function backupPeer(path: string): Promise<{ ask(command: string): Promise<string> }> {
  const peer = await RawPeer.open({ path });
  let id = 2;
  await peer.ask(id, 3, 'login');
  return { ask: (payload: string) => peer.ask(++id, 2, payload) };
}

const REFUSED = /^rcon-bridge: refused .*nothing was sent to the server$/s;

describe('rcon-bridge restricted socket', () => {
  it('forwards byte for byte the text it checked: trimmed, no control characters, arguments as documented', async () => {
    const { backupSocket, mc } = await startBridge({ mc: { args: ['--log-commands'] } });
    const peer = await backupPeer(backupSocket);
    const accepted: [string, string][] = [
      ['  save-off \n', 'save-off'],
      ['\tsave-all flush\r\n', 'save-all flush'],
      ['/save-on', 'save-on'],
      ['list uuids ', 'list uuids'],
      [' say backup  starting ', 'say backup  starting'],
    ];
    for (const [sent] of accepted) expect(await peer.ask(sent)).not.toMatch(/^rcon-bridge:/);
    const refused = [
      'say hi\nop alice',
      'say hi\rop alice',
      'say hi\u0000op alice',
      'say tab\there',
      'save-all\tflush',
      'save-all  flush',
      'list everyone',
      `say ${'z'.repeat(257)}`,
      'say ',
      'say\u00a0hi',
    ];
    for (const command of refused) expect(await peer.ask(command)).toMatch(REFUSED);
    expect(receivedCommands(mc)).toEqual(accepted.map(([, forwarded]) => forwarded));
  });

  it('tellraw carries only plain text components: click, hover, insertion, nbt, selector, score, translate are refused, also nested', async () => {
    const { backupSocket, mc } = await startBridge({ mc: { args: ['--log-commands'], players: ['alice'] } });
    const peer = await backupPeer(backupSocket);
    const plain = [
      'tellraw @a {"text":"[backup] backup finished","color":"gray"}',
      'tellraw @a "plain string"',
      'tellraw alice ["",{"text":"a","bold":true},{"text":"b","color":"#a0a0a0","extra":[{"text":"c","italic":true}]}]',
      'tellraw @a { "text" : "spaced",  "color" : "gray" }',
    ];
    const canonical = [
      'tellraw @a {"text":"[backup] backup finished","color":"gray"}',
      'tellraw @a "plain string"',
      'tellraw alice ["",{"text":"a","bold":true},{"text":"b","color":"#a0a0a0","extra":[{"text":"c","italic":true}]}]',
      'tellraw @a {"text":"spaced","color":"gray"}',
    ];
    for (const command of plain) expect(await peer.ask(command)).not.toMatch(/^rcon-bridge:/);
    const hostile = [
      'tellraw @a {"text":"free diamonds","clickEvent":{"action":"run_command","value":"/op mallory"}}',
      'tellraw @a {"text":"x","click_event":{"action":"run_command","command":"/op mallory"}}',
      'tellraw @a {"text":"x","hoverEvent":{"action":"show_text","contents":"y"}}',
      'tellraw @a {"text":"x","hover_event":{"action":"show_text","value":"y"}}',
      'tellraw @a {"text":"x","insertion":"/op mallory"}',
      'tellraw @a {"nbt":"Inventory","entity":"@p"}',
      'tellraw @a {"selector":"@e"}',
      'tellraw @a {"score":{"name":"@p","objective":"x"}}',
      'tellraw @a {"translate":"chat.type.text","with":[{"selector":"@e"}]}',
      'tellraw @a {"text":"ok","extra":[{"text":"deep","extra":[{"text":"x","clickEvent":{"action":"open_url","value":"http://x"}}]}]}',
      'tellraw @a ["ok",{"text":"x","hoverEvent":{"action":"show_text","contents":"y"}}]',
      'tellraw @a {"text":"x","color":"gray","color":"red","clickEvent":{}}',
      'tellraw @a {text:"unquoted snbt"}',
      'tellraw @a[nbt={Tags:["x"]}] {"text":"x"}',
      'tellraw @a {"text":"x"} trailing',
      'tellraw @a',
      'tellraw @a {"text":"x","color":"gray;op"}',
    ];
    for (const command of hostile) expect(await peer.ask(command)).toMatch(REFUSED);
    expect(receivedCommands(mc)).toEqual(canonical);
  });
});
