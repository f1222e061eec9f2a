import { describe, expect, it } from 'vitest';
import { checkDescription } from './metadata.js';

// Bidi controls reorder what a reader sees (Trojan Source) and zero-width characters hide text: a
// description shown on the web and in `list` must be what it looks like.
describe('checkDescription', () => {
  it('accepts plain text, accents and emoji', () => {
    expect(checkDescription('My dotfiles: zsh, vim – für alle 🎉')).toBeUndefined();
  });

  it.each([
    ['U+202E right-to-left override', 'abc\u202Edef'],
    ['U+202A left-to-right embedding', 'a\u202Ab'],
    ['U+2066 left-to-right isolate', 'a\u2066b'],
    ['U+2069 pop directional isolate', 'a\u2069b'],
    ['U+200F right-to-left mark', 'a\u200Fb'],
    ['U+061C arabic letter mark', 'a\u061Cb'],
    ['U+200B zero-width space', 'a\u200Bb'],
    ['U+200D zero-width joiner', 'a\u200Db'],
    ['U+2060 word joiner', 'a\u2060b'],
    ['U+FEFF zero-width no-break space', 'a\uFEFFb'],
  ])('refuses %s', (_name, text) => {
    expect(checkDescription(text)).toMatch(/bidi control or zero-width character/);
  });

  it('still refuses newlines and control characters', () => {
    expect(checkDescription('a\nb')).toMatch(/newline/);
  });
});
