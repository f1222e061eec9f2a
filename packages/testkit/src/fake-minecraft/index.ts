export { bigReplyText, javaUtf8 } from './java-text.js';
export { type FakeMinecraft, type FakeMinecraftOptions, fakeMinecraftBundle, startFakeMinecraft } from './start.js';
export { isWholeFile, verifyWorld, type WorldCheck, withTrailer } from './world-file.js';
